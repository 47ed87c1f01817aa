from django import forms
from django.db import models
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _

from ecandidat.accounts.enums import ROLE_RANK, StaffRole
from ecandidat.accounts.models import RoleAssignment, User, rank_of
from ecandidat.applications.enums import DocumentStatus
from ecandidat.catalog.enums import Scope, Treatment
from ecandidat.catalog.models import (
    Campaign,
    Centre,
    Commission,
    DocumentType,
    InstitutionSettings,
    Milestones,
    PegasePeriod,
    Program,
    Question,
    TrainingType,
)
from ecandidat.decisions.enums import DecisionKind
from ecandidat.decisions.models import DecisionReason, DecisionType, reasons_in_service
from ecandidat.decisions.services import type_choices_for, types_for
from ecandidat.review.models import Tag
from ecandidat.review.services import tags_for
from ecandidat.www.nul import parse_id

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

MILESTONE_WIDGETS = {
    "opens_at": DATETIME,
    "closes_at": DATETIME,
    "pre_analysis_on": DATE,
    "return_deadline": DATETIME,
    "jury_on": DATE,
    "results_at": DATETIME,
    "confirmation_deadline": DATE,
}
MILESTONE_FIELDS = [
    *Milestones.MILESTONE_FIELDS,
    "confirmation_days",
    "complementary_confirmation_days",
]


def _formfield(db_field, **kwargs):
    # Addresses typed without a scheme are https (Django 6's default, chosen now).
    if isinstance(db_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return db_field.formfield(**kwargs)


class StaffForm(forms.ModelForm):
    """A back-office form; knows the staff member to restrict its choices to their scope."""

    class Meta:
        formfield_callback = _formfield

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if "centre" in self.fields:
            self.fields["centre"].queryset = Centre.objects.editable_by(user)
        if "commission" in self.fields:
            self.fields["commission"].queryset = Commission.objects.editable_by(
                user
            ).select_related("centre")
        if "programs" in self.fields:
            self.fields["programs"].queryset = Program.objects.editable_by(user)


class CampaignForm(StaffForm):
    class Meta(StaffForm.Meta):
        model = Campaign
        fields = [
            "code",
            "label_fr",
            "label_en",
            "starts_on",
            "candidate_ends_on",
            "ends_on",
            "pegase_period",
        ]
        widgets = {"starts_on": DATE, "candidate_ends_on": DATE, "ends_on": DATE}


class PegasePeriodForm(StaffForm):
    class Meta(StaffForm.Meta):
        model = PegasePeriod
        fields = ["code", "label", "starts_on", "ends_on"]
        widgets = {"starts_on": DATE, "ends_on": DATE}


class TrainingTypeForm(StaffForm):
    class Meta(StaffForm.Meta):
        model = TrainingType
        fields = ["code", "label_fr", "label_en", "order"]


class CentreForm(StaffForm):
    class Meta(StaffForm.Meta):
        model = Centre
        fields = [
            "code",
            "label",
            "site",
            "contact_email",
            "in_service",
            "online",
            "max_applications",
            *MILESTONE_FIELDS,
        ]
        widgets = MILESTONE_WIDGETS
        help_texts = {"opens_at": _("Default dates copied into the centre's new programs.")}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields.pop("centre", None)


class CommissionForm(StaffForm):
    class Meta(StaffForm.Meta):
        model = Commission
        fields = [
            "code",
            "label",
            "centre",
            "contact_email",
            "contact_phone",
            "contact_address",
            "contact_url",
            "signatory_name",
            "signature",
            "alert_on_submission",
            "alert_on_confirmation",
            "alert_on_withdrawal",
            "letters_for_candidates",
            "attach_letters",
        ]
        widgets = {"contact_address": forms.Textarea(attrs={"rows": 3})}


class ProgramForm(StaffForm):
    class Meta(StaffForm.Meta):
        model = Program
        fields = [
            "code",
            "label_fr",
            "label_en",
            "centre",
            "training_type",
            "commission",
            "in_service",
            "treatment",
            "capacity",
            "sis_code",
            "complementary_auto",
            "preselection_at",
            "preselection_place",
            "keywords",
            "description_url",
            "info_fr",
            "info_en",
            *MILESTONE_FIELDS,
        ]
        widgets = {
            **MILESTONE_WIDGETS,
            "preselection_at": DATETIME,
            "info_fr": forms.Textarea(attrs={"rows": 3}),
            "info_en": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if not self.instance.pk and "centre" not in self.initial:
            centres = list(self.fields["centre"].queryset[:2])
            if len(centres) == 1:  # a manager of one centre starts with it selected
                self.initial["centre"] = centres[0].pk
        centre_id = self.initial.get("centre") or getattr(self.instance, "centre_id", None)
        if not self.is_bound and not self.instance.pk and centre_id:
            # A new program starts from its centre's default dates.
            centre = Centre.objects.filter(pk=centre_id).first()
            if centre is not None:
                for name, value in centre.milestone_values().items():
                    self.initial.setdefault(name, value)


class ScopedItemForm(StaffForm):
    def clean(self):
        cleaned = super().clean()
        scope = cleaned.get("scope")
        if scope == Scope.CENTRE and not cleaned.get("centre"):
            self.add_error("centre", _("Choose the centre."))
        if scope == Scope.PROGRAMS and not cleaned.get("programs"):
            self.add_error("programs", _("Choose at least one program."))
        if (
            scope == Scope.ALL
            and self.user is not None
            and not self.user.has_perm("catalog.change_institutionsettings")
        ):
            self.add_error("scope", _("Only the central office defines items for every program."))
        return cleaned


class DocumentTypeForm(ScopedItemForm):
    class Meta(StaffForm.Meta):
        model = DocumentType
        fields = [
            "label_fr",
            "label_en",
            "order",
            "in_service",
            "scope",
            "centre",
            "programs",
            "common",
            "conditional",
            "treatment",
            "template",
        ]
        widgets = {"programs": forms.SelectMultiple(attrs={"size": 8})}


class QuestionForm(ScopedItemForm):
    class Meta(StaffForm.Meta):
        model = Question
        fields = [
            "label_fr",
            "label_en",
            "kind",
            "order",
            "in_service",
            "scope",
            "centre",
            "programs",
            "conditional",
            "treatment",
        ]
        widgets = {"programs": forms.SelectMultiple(attrs={"size": 8})}


class RoleAssignmentForm(StaffForm):
    class Meta(StaffForm.Meta):
        model = RoleAssignment
        fields = ["user", "role", "centre", "commission", "can_decide", "can_edit"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        # Nobody changes their own roles or those of someone above them, and nobody grants
        # a role above their own (only administrators grant administrator).
        self.fields["user"].queryset = User.objects.role_grantable_by(user).order_by("username")
        rank = rank_of(user)
        self.fields["role"].choices = [
            (value, label)
            for value, label in self.fields["role"].choices
            if not value or ROLE_RANK.get(value, 0) <= rank
        ]

    def clean(self):
        cleaned = super().clean()
        if (
            self.instance.pk
            and not RoleAssignment.objects.editable_by(self.user)
            .filter(pk=self.instance.pk)
            .exists()
        ):
            raise forms.ValidationError(_("You may not change this role."), code="forbidden")
        role = cleaned.get("role")
        if role == StaffRole.CENTRE_MANAGER and not cleaned.get("centre"):
            self.add_error("centre", _("Choose the centre."))
        if role == StaffRole.COMMISSION_MEMBER and not cleaned.get("commission"):
            self.add_error("commission", _("Choose the commission."))
        commission, centre = cleaned.get("commission"), cleaned.get("centre")
        if commission and centre and commission.centre_id != centre.pk:
            self.add_error("commission", _("This commission belongs to another centre."))
        return cleaned


class DecisionTypeForm(StaffForm):
    class Meta(StaffForm.Meta):
        model = DecisionType
        fields = [
            "code",
            "kind",
            "label_fr",
            "label_en",
            "final",
            "registration",
            "show_comment",
            "email_fr",
            "email_en",
            "centre",
            "in_service",
        ]
        widgets = {
            "email_fr": forms.Textarea(attrs={"rows": 5}),
            "email_en": forms.Textarea(attrs={"rows": 5}),
        }

    def clean(self):
        cleaned = super().clean()
        central = self.user is not None and self.user.has_perm("catalog.change_institutionsettings")
        if not central and not InstitutionSettings.load().centres_define_decision_types:
            raise forms.ValidationError(
                _("The central office has not allowed centres to define decision types.")
            )
        if not central and not cleaned.get("centre"):
            self.add_error(
                "centre", _("Choose your centre: types for every centre are the central office's.")
            )
        for name in ("email_fr", "email_en"):
            text = cleaned.get(name) or ""
            try:
                text.format(
                    first_name="",
                    last_name="",
                    program="",
                    decision="",
                    comment="",
                    deadline="",
                    rank="",
                )
            except (KeyError, IndexError, ValueError):
                self.add_error(name, _("Unknown variable or stray brace in the text."))
        return cleaned


class TagForm(StaffForm):
    class Meta(StaffForm.Meta):
        model = Tag
        fields = ["label", "colour", "centre"]
        widgets = {"colour": forms.TextInput(attrs={"type": "color"})}

    def clean(self):
        cleaned = super().clean()
        central = self.user is not None and self.user.has_perm("catalog.change_institutionsettings")
        if not central and not cleaned.get("centre"):
            self.add_error(
                "centre", _("Choose your centre: central tags are the central office's.")
            )
        return cleaned


class DecisionReasonForm(StaffForm):
    class Meta(StaffForm.Meta):
        model = DecisionReason
        fields = ["label_fr", "label_en", "in_service"]


class InstitutionSettingsForm(StaffForm):
    class Meta(StaffForm.Meta):
        model = InstitutionSettings
        fields = [
            "max_applications",
            "ine_required_for_french",
            "upload_max_mb",
            "dossier_number_prefix",
            "overdue_days",
            "show_real_ranks",
            "retention_days",
            "overdue_colour",
            "centres_define_decision_types",
            "two_factor_roles",
        ]

    two_factor_roles = forms.TypedMultipleChoiceField(
        label=_("roles that must use two-factor authentication"),
        choices=StaffRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Every staff member may turn it on. In production, administrators and the central "
            "office must use it whatever is chosen here."
        ),
    )


class BulkProgramForm(forms.Form):
    """Dates and in-service flag applied to many programs; empty means unchanged."""

    in_service = forms.TypedChoiceField(
        label=_("in service"),
        choices=[("", _("unchanged")), ("yes", _("Yes")), ("no", _("No"))],
        required=False,
        coerce=lambda v: v == "yes",
        empty_value=None,
    )
    opens_at = forms.DateTimeField(label=_("applications open"), required=False, widget=DATETIME)
    closes_at = forms.DateTimeField(label=_("applications close"), required=False, widget=DATETIME)
    return_deadline = forms.DateTimeField(
        label=_("return deadline"), required=False, widget=DATETIME
    )
    jury_on = forms.DateField(label=_("jury"), required=False, widget=DATE)
    results_at = forms.DateTimeField(
        label=_("publication of results"), required=False, widget=DATETIME
    )
    confirmation_deadline = forms.DateField(
        label=_("confirmation deadline"), required=False, widget=DATE
    )

    def changes(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v is not None}


# --- staff actions on one application -----------------------------------------------------
# One small form per action of the application page (``applications.ACTIONS`` maps each
# action to its form and its service call). A form parses and validates what was typed; the
# view calls the service, whose refusal is shown on the form too.


class ApplicationActionForm(forms.Form):
    """A form acting on one application, built with it."""

    # Fields naming an object of the application (a document): a value that names none is
    # answered 404, as an object outside the user's scope is everywhere else.
    lookup_fields: tuple[str, ...] = ()

    def __init__(self, *args, application, **kwargs):
        self.application = application
        super().__init__(*args, **kwargs)

    def names_unknown_object(self) -> bool:
        return any(name in self.errors for name in self.lookup_fields)


def _datetime(label, *, required=False, **kwargs):
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=DATETIME,
        error_messages={"invalid": _("Enter a valid date and time.")},
        **kwargs,
    )


class DocumentCheckForm(ApplicationActionForm):
    """Validate or refuse one document (a refusal says why: the candidate reads it)."""

    lookup_fields = ("document",)

    document = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (DocumentStatus.VALIDATED, DocumentStatus.VALIDATED.label),
            (DocumentStatus.REFUSED, DocumentStatus.REFUSED.label),
        ],
        widget=forms.Select(attrs={"class": "form-select form-select-sm w-auto"}),
    )
    comment = forms.CharField(
        label=_("comment"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-sm w-auto",
                "placeholder": _("Comment shown to the candidate"),
            }
        ),
    )

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, application=application, **kwargs)
        self.fields["document"].queryset = application.documents.all()
        # One form per document on the page: ids end with the document's (status-12 …).
        key = self.data.get("document") if self.is_bound else self.initial.get("document")
        self.auto_id = f"%s-{parse_id(getattr(key, 'pk', key)) or ''}"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == DocumentStatus.REFUSED and not cleaned.get("comment"):
            self.add_error("comment", _("Say why the document is refused: the candidate reads it."))
        return cleaned


class FileStatusForm(ApplicationActionForm):
    """Mark the file complete or incomplete; incomplete may set a new return deadline."""

    deadline = _datetime(_("New return deadline (optional)"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "incomplete-%s")
        super().__init__(*args, **kwargs)


class TreatmentForm(ApplicationActionForm):
    treatment = forms.ChoiceField(label=capfirst(_("treatment")), choices=Treatment.choices)

    def __init__(self, *args, application, **kwargs):
        kwargs.setdefault("initial", {"treatment": application.treatment})
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, application=application, **kwargs)


class NoteForm(ApplicationActionForm):
    text = forms.CharField(
        label=_("New note"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("The note is empty.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "note-%s")
        super().__init__(*args, **kwargs)


class TagsForm(ApplicationActionForm):
    """The application's tags, among the central ones and its centre's."""

    tags = forms.ModelMultipleChoiceField(
        label=capfirst(_("tags")),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, application, **kwargs):
        kwargs.setdefault("initial", {"tags": list(application.tags.all())})
        super().__init__(*args, application=application, **kwargs)
        self.fields["tags"].queryset = tags_for(application)


class ConfirmationDeadlineForm(ApplicationActionForm):
    """A personal confirmation date for one candidate."""

    deadline = _datetime(_("New date"), required=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "confirmation-%s")
        super().__init__(*args, **kwargs)


class PersonalDeadlineForm(ApplicationActionForm):
    """A personal return deadline; empty removes it."""

    deadline = _datetime(_("New date"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "personal-%s")
        super().__init__(*args, **kwargs)


class DecisionForm(ApplicationActionForm):
    """Enter a decision. What a kind of decision needs (a reason, a rank, a date) is asked
    here, next to the field; the service checks it again."""

    decision_type = forms.ModelChoiceField(
        label=capfirst(_("decision")),
        queryset=None,
        empty_label=None,
        error_messages={"required": _("Choose the decision.")},
        widget=forms.Select(attrs={"id": "decision-type"}),
    )
    reason = forms.ModelChoiceField(
        label=format_lazy("{} ({})", capfirst(_("decision reason")), _("Unfavourable")),
        queryset=DecisionReason.objects.filter(in_service=True),
        required=False,
        empty_label="—",
    )
    rank = forms.IntegerField(
        label=format_lazy("{} ({})", capfirst(_("rank")), _("Complementary list")),
        required=False,
        min_value=1,
    )
    preselection_at = _datetime(capfirst(_("preselection date and time")))
    preselection_place = forms.CharField(
        label=capfirst(_("preselection place")), required=False, max_length=200
    )
    comment = forms.CharField(
        label=capfirst(_("comment")),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    publish_at = _datetime(
        format_lazy("{} ({})", capfirst(_("publication scheduled at")), _("optional"))
    )
    appeal = forms.BooleanField(label=capfirst(_("appeal")), required=False)

    def __init__(self, *args, application, **kwargs):
        program = application.program
        kwargs.setdefault(
            "initial",
            {
                "preselection_at": program.preselection_at,
                "preselection_place": program.preselection_place,
            },
        )
        kwargs.setdefault("auto_id", "decision-%s")
        super().__init__(*args, application=application, **kwargs)
        # The querysets validate what is posted; the lists shown come from the cache.
        self.fields["decision_type"].queryset = types_for(application)
        self.fields["decision_type"].choices = [
            (t.pk, t.label) for t in type_choices_for(application)
        ]
        self.fields["reason"].choices = [
            ("", "—"),
            *((r.pk, r.label) for r in reasons_in_service()),
        ]

    # What each kind of decision needs, and the message shown next to the missing field.
    NEEDS = {
        DecisionKind.UNFAVOURABLE: ("reason", _("An unfavourable decision needs a reason.")),
        DecisionKind.COMPLEMENTARY_LIST: (
            "rank",
            _("A complementary-list decision needs a rank."),
        ),
        DecisionKind.PRESELECTION: (
            "preselection_at",
            _("A preselection needs its date and time."),
        ),
    }

    def clean(self):
        cleaned = super().clean()
        decision_type = cleaned.get("decision_type")
        if decision_type is not None and decision_type.kind in self.NEEDS:
            name, message = self.NEEDS[decision_type.kind]
            # A field already refused (not a number, not a date) keeps its own message.
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, message)
        return cleaned
