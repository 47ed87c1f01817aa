"""Decisions: entered by a commission, validated (published), answered by the candidate;
withdrawals promote the complementary list.

Capacity and ranks are decided under a row lock on the program, so concurrent withdrawals
never promote the same candidate twice nor go beyond the capacity.
"""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ecandidat.applications.emails import candidate_link, email_candidate, staff_link
from ecandidat.applications.enums import NO_ANSWER, CandidateAnswer, FileStatus
from ecandidat.applications.models import Application
from ecandidat.audit import codes
from ecandidat.audit.services import record
from ecandidat.catalog.enums import Treatment
from ecandidat.catalog.models import Program
from ecandidat.common.errors import DomainError
from ecandidat.common.text import without_nul
from ecandidat.notifications.services import send_email

from . import workflow
from .enums import DecisionKind, DecisionOrigin
from .models import Decision, DecisionReason, DecisionType, decision_types_in_service
from .workflow import DecisionAction, OfferAction

__all__ = ["Decision", "DecisionReason", "DecisionType"]

REVIEWABLE = (FileStatus.RECEIVED, FileStatus.COMPLETE)


class DecisionError(DomainError):
    """A decision, or a candidate's answer to one, is refused; ``message`` says why."""


def latest_validated(application) -> Decision | None:
    return (
        application.decisions.validated()
        .select_related("decision_type", "reason")
        .order_by("-validated_at", "-id")
        .first()
    )


def with_validated_decisions(applications):
    """``applications`` with their validated decisions, newest first, read in one query for
    the lot (``validated_decisions``; the first is the one that counts)."""
    return applications.prefetch_related(
        Prefetch(
            "decisions",
            queryset=Decision.objects.validated()
            .select_related("decision_type", "reason")
            .order_by("-validated_at", "-id"),
            to_attr="validated_decisions",
        )
    )


def refresh_decision_kind(applications) -> int:
    """Record on each of ``applications`` (a queryset) the kind of its latest validated
    decision, from the decisions themselves: what validating a decision does, and how a
    bulk import or a repair brings the column back in line. One UPDATE."""
    return applications.update(
        decision_kind=Coalesce(latest_validated_subquery("decision_type__kind"), Value(""))
    )


def latest_validated_subquery(field: str = "pk"):
    return Subquery(
        Decision.objects.filter(application=OuterRef("pk"), validated_at__isnull=False)
        .order_by("-validated_at", "-id")
        .values(field)[:1]
    )


def default_type(kind: str) -> DecisionType:
    """The central decision type of ``kind`` in service (one is seeded for each kind)."""
    found = (
        DecisionType.objects.filter(kind=kind, in_service=True, centre__isnull=True)
        .order_by("pk")
        .first()
    )
    if found is None:
        raise DecisionError(
            _("No decision type of this kind is in service: the central office must add one.")
        )
    return found


def type_choices_for(application) -> list[DecisionType]:
    """``types_for`` from the cached list of types in service (the application page offers
    them on every view), in the same order."""
    centre_id = application.program.centre_id
    rank = {kind: i for i, kind in enumerate(DecisionKind.values)}
    return sorted(
        (t for t in decision_types_in_service() if t.centre_id in (None, centre_id)),
        key=lambda t: (rank[t.kind], t.label_fr),
    )


def types_for(application):
    """Decision types usable on this application, favourable first (the usual order)."""
    order = Case(
        *(When(kind=kind, then=Value(i)) for i, kind in enumerate(DecisionKind.values)),
        output_field=IntegerField(),
    )
    return (
        DecisionType.objects.filter(in_service=True)
        .filter(Q(centre__isnull=True) | Q(centre=application.program.centre_id))
        .order_by(order, "label_fr")
    )


@transaction.atomic
def enter_decision(
    *,
    application_id: int,
    decision_type: DecisionType,
    user,
    reason: DecisionReason | None = None,
    rank: int | None = None,
    preselection_at=None,
    preselection_place: str = "",
    comment: str = "",
    appeal: bool = False,
    publish_at=None,
) -> Decision:
    application = (
        Application.objects.select_for_update().select_related("program").get(pk=application_id)
    )
    # Checked here, not only in the views: the bulk worker and direct access enter decisions
    # too, and a member's can_decide holds for their own commission only.
    if not Application.objects.decidable_by(user).filter(pk=application.pk).exists():
        raise DecisionError(_("You may not enter decisions for this commission."))
    if application.file_status not in REVIEWABLE:
        raise DecisionError(_("A decision is entered once the application is transmitted."))
    if decision_type.centre_id not in (None, application.program.centre_id):
        raise DecisionError(_("This decision type belongs to another centre."))
    if decision_type.kind == DecisionKind.UNFAVOURABLE and reason is None:
        raise DecisionError(_("An unfavourable decision needs a reason."))
    if decision_type.kind == DecisionKind.COMPLEMENTARY_LIST and not rank:
        raise DecisionError(_("A complementary-list decision needs a rank."))
    if decision_type.kind == DecisionKind.PRESELECTION and preselection_at is None:
        raise DecisionError(_("A preselection needs its date and time."))
    if application.answer:
        raise DecisionError(_("The candidate has already answered a favourable decision."))
    step = workflow.DECISION_BY_ACTION[DecisionAction.ENTER]
    decision = Decision.objects.create(
        application=application,
        decision_type=decision_type,
        reason=reason,
        rank=rank,
        preselection_at=preselection_at,
        preselection_place=preselection_place,
        comment=comment.strip(),
        appeal=appeal,
        entered_by=user,
    )
    record(
        step.audit,
        actor=user,
        target=application,
        data={"decision": decision.pk, "type": decision_type.code, "rank": rank},
    )
    if publish_at is not None:
        _schedule(decision, publish_at, user=user)
    return decision


def _schedule(decision: Decision, moment: datetime, *, user) -> None:
    step = workflow.DECISION_BY_ACTION[DecisionAction.SCHEDULE]
    if decision.state not in step.sources:
        raise DecisionError(_("No decision to validate."))
    decision.publish_at = moment
    decision.save(update_fields=["publish_at"])
    record(
        step.audit,
        actor=user,
        target=Application(pk=decision.application_id),
        data={"decision": decision.pk, "publish_at": moment.isoformat()},
    )


@transaction.atomic
def schedule_publication(*, application_id: int, publish_at: datetime, user) -> int:
    """Results released at once: the scheduler publishes every entered decision of the
    application at ``publish_at``. Returns how many decisions were scheduled."""
    if not Application.objects.decidable_by(user).filter(pk=application_id).exists():
        raise DecisionError(_("You may not enter decisions for this commission."))
    pending = list(
        Decision.objects.select_for_update().filter(
            application_id=application_id, validated_at__isnull=True
        )
    )
    if not pending:
        raise DecisionError(_("No decision to validate."))
    for decision in pending:
        _schedule(decision, publish_at, user=user)
    return len(pending)


def _deadline_for(application, now, *, promoted: bool) -> datetime | None:
    program = application.program
    tz = timezone.get_current_timezone()
    if promoted and program.complementary_confirmation_days:
        return now + timedelta(days=program.complementary_confirmation_days)
    if program.confirmation_deadline:
        return timezone.make_aware(
            datetime.combine(program.confirmation_deadline, time(23, 59, 59)), tz
        )
    if program.confirmation_days:
        return now + timedelta(days=program.confirmation_days)
    return None


def _email_decision(application, decision: Decision) -> None:
    candidate = application.candidate
    language = candidate.preferred_language
    with translation.override(language):
        deadline = (
            date_format(timezone.localtime(application.confirmation_deadline), "DATETIME_FORMAT")
            if application.confirmation_deadline
            else ""
        )
        variables = {
            "first_name": candidate.first_name,
            "last_name": candidate.last_name,
            "program": application.program.label,
            "decision": decision.decision_type.label,
            "comment": decision.comment if decision.decision_type.show_comment else "",
            "deadline": deadline,
            "rank": decision.rank or "",
        }
        custom = (
            decision.decision_type.email_fr if language == "fr" else decision.decision_type.email_en
        )
        try:
            body = custom.format(**variables) if custom else ""
        except (KeyError, IndexError, ValueError):
            body = ""  # a broken template must not block publication: the default text is used
    send_email(
        "decision_published",
        to=candidate.email,
        user=candidate,
        language=language,
        context={
            **variables,
            "dossier_number": candidate.dossier_number,
            "kind": decision.decision_type.kind,
            "reason": str(decision.reason) if decision.reason_id else "",
            "custom_body": body,
            "link": candidate_link(application),
        },
        attachment=f"letter:{decision.pk}"
        if application.program.commission.attach_letters and decision.has_letter
        else "",
        about=application,
    )


@transaction.atomic
def validate_decision(*, decision_id: int, user, now=None) -> Decision:
    """Publish an entered decision: validated by ``user``, or by the platform (``user`` None)
    at its scheduled time. Idempotent: validating twice changes nothing."""
    now = now or timezone.now()
    # A favourable decision takes a place: the program is locked first, as promotion from
    # the complementary list locks it, so places are counted one transaction at a time.
    # (The application query below locks the program too, FOR UPDATE covering joined rows,
    # but only after the application: promotion, holding the program, then waits for the
    # application its new decision points to, and the two would deadlock.)
    program_id, kind = (
        Decision.objects.filter(pk=decision_id)
        .values_list("application__program_id", "decision_type__kind")
        .get()
    )
    if kind == DecisionKind.FAVOURABLE:
        list(Program.objects.select_for_update().filter(pk=program_id).values_list("pk"))
    decision = (
        Decision.objects.select_for_update().select_related("decision_type").get(pk=decision_id)
    )
    if decision.state == workflow.DecisionState.VALIDATED:
        return decision
    step = workflow.DECISION_BY_ACTION[
        DecisionAction.VALIDATE if user is not None else DecisionAction.PUBLISH
    ]
    if decision.state not in step.sources:
        raise DecisionError(_("This decision is not scheduled for publication."))
    application = (
        Application.objects.select_for_update()
        .select_related("program", "candidate")
        .get(pk=decision.application_id)
    )
    _publish(decision, application, step, user=user, now=now)
    return decision


def _publish(decision: Decision, application, step, *, user, now) -> None:
    """What validating a decision does, whoever validates it: the offer's deadline, the
    audit row of ``step`` and the candidate's email."""
    if application.answer:
        raise DecisionError(_("The candidate has already answered a favourable decision."))
    decision.validated_by = user
    decision.validated_at = now
    decision.save(update_fields=["validated_by", "validated_at"])
    # The newest validated decision is this one: its kind is the application's.
    application.decision_kind = decision.decision_type.kind
    if decision.decision_type.kind == DecisionKind.FAVOURABLE:
        application.confirmation_deadline = _deadline_for(
            application, now, promoted=decision.automatic == DecisionOrigin.PROMOTION
        )
    else:
        application.confirmation_deadline = None
    application.save(update_fields=["confirmation_deadline", "decision_kind"])
    record(
        step.audit,
        actor=user,
        target=application,
        data={"decision": decision.pk, "type": decision.decision_type.code},
    )
    _email_decision(application, decision)


def publish_due(now=None) -> int:
    """Periodic job: validate the decisions whose scheduled publication time has come."""
    now = now or timezone.now()
    count = 0
    for decision_id in Decision.objects.filter(
        validated_at__isnull=True, publish_at__isnull=False, publish_at__lte=now
    ).values_list("pk", flat=True):
        try:
            validate_decision(decision_id=decision_id, user=None, now=now)
            count += 1
        except DecisionError:
            continue
    return count


def _alert_commission(application, key: str) -> None:
    commission = application.program.commission
    wanted = {
        "commission_confirmation": commission.alert_on_confirmation,
        "commission_withdrawal": commission.alert_on_withdrawal,
        "commission_promotion": commission.alert_on_withdrawal,
    }[key]
    if not (wanted and commission.contact_email):
        return
    send_email(
        key,
        to=commission.contact_email,
        language=settings.LANGUAGE_CODE,
        context={
            "program": application.program.label,
            "dossier_number": application.candidate.dossier_number,
            "last_name": application.candidate.last_name,
            "first_name": application.candidate.first_name,
            "link": staff_link(application),
        },
        about=application,
    )


def answer(*, application_id: int, value: str, user, reason: str = "", now=None):
    """The candidate confirms or withdraws. Idempotent and safe under concurrency."""
    action = workflow.OFFER_ACTION_OF_ANSWER.get(value)
    if action is None:
        raise DecisionError(_("There is no offer to answer."))
    return _answer_offer(
        application_id=application_id, action=action, user=user, reason=reason, now=now
    )


def _answer_offer(*, application_id: int, action: OfferAction, user, reason="", now=None):
    now = now or timezone.now()
    step = workflow.OFFER_BY_ACTION[action]
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .select_related("program", "program__commission", "candidate")
            .get(pk=application_id)
        )
        if application.answer not in step.sources:
            if application.answer == step.target:
                return application  # a double click or a second tab
            raise DecisionError(_("You have already answered."))
        decision = latest_validated(application)
        if decision is None or decision.decision_type.kind != DecisionKind.FAVOURABLE:
            raise DecisionError(_("There is no offer to answer."))
        deadline = application.confirmation_deadline
        if action == OfferAction.CONFIRM and deadline and now > deadline:
            raise DecisionError(_("The confirmation deadline has passed."))
        if action == OfferAction.EXPIRE and not (deadline and now > deadline):
            raise DecisionError(_("The confirmation deadline has not passed."))
        application.answer = step.target
        setattr(application, step.stamp, now)
        application.withdrawal_reason = (
            reason.strip()[:2000] if step.target == CandidateAnswer.WITHDRAWN else ""
        )
        application.save(update_fields=["answer", step.stamp, "withdrawal_reason"])
        automatic = step.by == workflow.By.PLATFORM
        record(step.audit, actor=user, target=application, data={"automatic": automatic})
        email_candidate(application, step.email, automatic=automatic)
        _alert_commission(application, step.alert)
    if step.target == CandidateAnswer.WITHDRAWN and application.program.complementary_auto:
        promote_next(
            program_id=application.program_id, campaign_id=application.campaign_id, now=now
        )
    return application


def offers_held(program_id: int, campaign_id: int):
    """Applications holding a place: latest validated decision favourable, not withdrawn."""
    return (
        Application.objects.filter(program_id=program_id, campaign_id=campaign_id)
        .filter(decision_kind=DecisionKind.FAVOURABLE)
        .exclude(answer=CandidateAnswer.WITHDRAWN)
    )


@transaction.atomic
def promote_next(*, program_id: int, campaign_id: int, now=None) -> Application | None:
    """Offer a place to the first candidate by rank on the complementary list, if the
    capacity allows. One call promotes at most one candidate."""
    now = now or timezone.now()
    program = Program.objects.select_for_update().get(pk=program_id)
    if (
        program.capacity is not None
        and offers_held(program_id, campaign_id).count() >= program.capacity
    ):
        return None
    pending_favourable = Decision.objects.filter(
        application=OuterRef("pk"), validated_at__isnull=True
    )
    candidate_application = (
        Application.objects.filter(program_id=program_id, campaign_id=campaign_id, answer=NO_ANSWER)
        .exclude(file_status=FileStatus.CANCELLED)
        .filter(decision_kind=DecisionKind.COMPLEMENTARY_LIST)
        .annotate(
            latest_rank=latest_validated_subquery("rank"),
            has_pending=Exists(pending_favourable),
        )
        .order_by("latest_rank", "pk")
        .first()
    )
    if candidate_application is None:
        return None
    step = workflow.DECISION_BY_ACTION[DecisionAction.PROMOTE]
    decision = Decision.objects.create(
        application=candidate_application,
        decision_type=default_type(DecisionKind.FAVOURABLE),
        automatic=DecisionOrigin.PROMOTION,
        entered_by=None,
    )
    application = (
        Application.objects.select_for_update()
        .select_related("program", "candidate")
        .get(pk=candidate_application.pk)
    )
    _publish(decision, application, step, user=None, now=now)
    _alert_commission(application, step.alert)
    return application


def real_rank(application, decision: Decision) -> int | None:
    """The candidate's position among those still waiting on the complementary list."""
    if decision.decision_type.kind != DecisionKind.COMPLEMENTARY_LIST or decision.rank is None:
        return None
    ahead = (
        Application.objects.filter(
            program_id=application.program_id, campaign_id=application.campaign_id, answer=NO_ANSWER
        )
        .exclude(file_status=FileStatus.CANCELLED)
        .exclude(pk=application.pk)
        .filter(decision_kind=DecisionKind.COMPLEMENTARY_LIST)
        .annotate(latest_rank=latest_validated_subquery("rank"))
        .filter(latest_rank__lt=decision.rank)
        .count()
    )
    return ahead + 1


def auto_withdraw(now=None) -> int:
    """Periodic job: favourable offers not confirmed by their deadline are withdrawn."""
    now = now or timezone.now()
    expired = (
        Application.objects.filter(answer=NO_ANSWER, confirmation_deadline__lt=now)
        .filter(decision_kind=DecisionKind.FAVOURABLE)
        .values_list("pk", flat=True)
    )
    count = 0
    for application_id in list(expired):
        try:
            _answer_offer(
                application_id=application_id, action=OfferAction.EXPIRE, user=None, now=now
            )
            count += 1
        except DecisionError:
            continue
    return count


def remind_confirmation(now=None, days: int | None = None) -> int:
    """Periodic job: remind candidates N days before their confirmation deadline, once."""
    now = now or timezone.now()
    days = settings.CONFIRMATION_REMINDER_DAYS if days is None else days
    due = (
        Application.objects.filter(
            answer=NO_ANSWER,
            confirmation_reminder_sent_at__isnull=True,
            confirmation_deadline__gt=now,
            confirmation_deadline__lte=now + timedelta(days=days),
        )
        .filter(decision_kind=DecisionKind.FAVOURABLE)
        .select_related("candidate", "program")
    )
    count = 0
    for application in due:
        if Application.objects.filter(
            pk=application.pk, confirmation_reminder_sent_at__isnull=True
        ).update(confirmation_reminder_sent_at=now):
            candidate = application.candidate
            with translation.override(candidate.preferred_language):
                deadline = date_format(
                    timezone.localtime(application.confirmation_deadline), "DATETIME_FORMAT"
                )
            email_candidate(application, "confirmation_reminder", deadline=deadline)
            record(codes.APPLICATION_CONFIRMATION_REMINDER, target=application)
            count += 1
    return count


@transaction.atomic
def validate_direct_access(*, application_id: int, user) -> Decision:
    """Direct access (accès de droit): a validated favourable decision at once."""
    application = Application.objects.select_for_update().get(pk=application_id)
    if application.treatment != Treatment.DIRECT:
        raise DecisionError(_("Set the treatment to direct access first."))
    decision = enter_decision(
        application_id=application.pk,
        decision_type=default_type(DecisionKind.FAVOURABLE),
        user=user,
    )
    decision.automatic = DecisionOrigin.DIRECT_ACCESS
    decision.save(update_fields=["automatic"])
    return validate_decision(decision_id=decision.pk, user=user)


def parse_moment(raw) -> datetime | None:
    """A date and time as a datetime-local field sends it, made aware (Paris time); None
    when empty or invalid (parse_datetime raises for a well-formed but impossible date
    such as 31 February: refused, not a crash)."""
    try:
        moment = parse_datetime(without_nul(raw))
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
