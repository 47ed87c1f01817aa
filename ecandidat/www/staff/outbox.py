"""Outgoing emails and the audit log, for the central office (in place of Django admin).

The outbox shows what was sent, to whom and with what result, and warns when the relay
fails (emails waiting for a retry, emails failed for good, emails no worker takes): that
banner is the administrators' alert, next to the ERROR lines of ``ecandidat.notifications``
in the log. An email that has not left can be sent again or cancelled; none is deleted.
Bodies are shown as stored, i.e. with the secret of an account link replaced by a
placeholder (see notifications.link_secrets): no staff screen ever shows a live link.
"""

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ecandidat.audit.models import AuditEvent
from ecandidat.notifications import services as notifications
from ecandidat.notifications.enums import OutboxStatus
from ecandidat.notifications.models import OutboxEmail
from ecandidat.www.access import staff_permission_required

from .lists import CappedPaginator

PAGE_SIZE = 50
# A pending email no worker took within this time means the mail worker is not running.
PENDING_ALERT_AFTER = timedelta(minutes=10)


def _text(request, name: str, limit: int = 150) -> str:
    return request.GET.get(name, "").strip()[:limit]


@staff_permission_required("notifications.view_outboxemail")
def outbox(request):
    emails = OutboxEmail.objects.only(
        "pk", "created_at", "template", "recipient", "subject", "status", "attempts", "sent_at"
    )
    status = _text(request, "status")
    if status in OutboxStatus.values:
        emails = emails.filter(status=status)
    recipient = _text(request, "to")
    if recipient:
        emails = emails.filter(recipient__icontains=recipient)
    page = CappedPaginator(emails, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    health = OutboxEmail.objects.health(now)
    oldest = health["oldest_pending"]
    return render(
        request,
        "staff/outbox.html",
        {
            "page": page,
            "status": status,
            "to": recipient,
            "statuses": OutboxStatus.choices,
            "health": health,
            "worker_late": oldest is not None and oldest < now - PENDING_ALERT_AFTER,
        },
    )


@staff_permission_required("notifications.view_outboxemail")
def outbox_email(request, pk):
    email = get_object_or_404(OutboxEmail, pk=pk)
    return render(request, "staff/outbox_email.html", {"email": email})


@staff_permission_required("notifications.view_outboxemail")
@require_POST
def outbox_resend(request, pk):
    email = get_object_or_404(OutboxEmail.objects.exclude(status=OutboxStatus.SENT), pk=pk)
    if notifications.requeue(email.pk, actor=request.user):
        messages.success(request, _("The email is queued again."))
    else:
        messages.error(request, _("This email is being sent right now: it cannot be queued again."))
    return redirect("staff:outbox_email", pk=pk)


@staff_permission_required("notifications.view_outboxemail")
@require_POST
def outbox_cancel(request, pk):
    email = get_object_or_404(OutboxEmail, pk=pk)
    if notifications.cancel(email.pk, actor=request.user):
        messages.success(request, _("The email is cancelled: it will not be sent."))
    else:
        messages.error(
            request, _("This email has already left or is being sent: it cannot be cancelled.")
        )
    return redirect("staff:outbox_email", pk=pk)


@staff_permission_required("notifications.view_outboxemail")
@require_POST
def outbox_resend_failed(request):
    count = notifications.requeue_failed(actor=request.user)
    messages.success(
        request,
        ngettext("%(n)d email is queued again.", "%(n)d emails are queued again.", count)
        % {"n": count},
    )
    return redirect("staff:outbox")


@staff_permission_required("audit.view_auditevent")
def audit_log(request):
    events = AuditEvent.objects.all()
    filters = {
        "action": _text(request, "action", 80),
        "actor": _text(request, "actor"),
        "target_type": _text(request, "target_type", 100),
        "target_id": _text(request, "target_id", 64),
    }
    if filters["action"]:
        events = events.filter(action__startswith=filters["action"])
    if filters["actor"]:
        events = events.filter(actor_label__iexact=filters["actor"])
    if filters["target_type"]:
        events = events.filter(target_type=filters["target_type"])
    if filters["target_id"]:
        events = events.filter(target_id=filters["target_id"])
    page = CappedPaginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "staff/audit_log.html", {"page": page, **filters})
