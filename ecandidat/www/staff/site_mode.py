"""The administrator's switch: normal, maintenance or read-only (see ecandidat.sitemode)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ecandidat.audit import codes
from ecandidat.audit.models import AuditEvent
from ecandidat.sitemode.models import Mode, SiteMode
from ecandidat.sitemode.services import set_mode
from ecandidat.www.access import staff_permission_required

PERMISSION = "sitemode.change_sitemode"


class SiteModeForm(forms.Form):
    mode = forms.ChoiceField(
        label=gettext_lazy("Mode"), choices=Mode.choices, widget=forms.RadioSelect
    )
    message_fr = forms.CharField(
        label=gettext_lazy("Message shown to visitors (French)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    message_en = forms.CharField(
        label=gettext_lazy("Message shown to visitors (English)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@staff_permission_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def site_mode(request):
    site = SiteMode.from_database()
    form = SiteModeForm(
        request.POST or None,
        initial={"mode": site.mode, "message_fr": site.message_fr, "message_en": site.message_en},
    )
    if request.method == "POST" and form.is_valid():
        set_mode(actor=request.user, **form.cleaned_data)
        messages.success(request, _("The site mode is changed."))
        return redirect("staff:site_mode")
    labels = dict(Mode.choices)
    # The modes by their labels in the reader's language, not their stored codes.
    history = [
        (event, labels.get(event.data.get("from"), "—"), labels.get(event.data.get("to"), "—"))
        for event in AuditEvent.objects.filter(
            action=codes.SITE_MODE_CHANGED, target_type="sitemode.sitemode"
        )[:20]
    ]
    return render(request, "staff/site_mode.html", {"form": form, "site": site, "history": history})
