"""The development mailbox: every email of the outbox, readable in the browser.

Answers 404 unless DEBUG is on: production never exposes it.
"""

from functools import wraps

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_sameorigin

from ecandidat.notifications.models import OutboxEmail


def debug_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.DEBUG:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@debug_only
def mailbox(request):
    emails = OutboxEmail.objects.only(
        "pk", "created_at", "recipient", "subject", "status", "template"
    )
    recipient = request.GET.get("to", "").strip()
    if recipient:
        emails = emails.filter(recipient__iexact=recipient)
    page = Paginator(emails, 25).get_page(request.GET.get("page"))
    return render(request, "dev/mailbox.html", {"page": page, "recipient": recipient})


@debug_only
def mailbox_detail(request, pk):
    email = get_object_or_404(OutboxEmail, pk=pk)
    # The development mailbox shows mails as received, working links included (DEBUG only).
    text, _html = email.delivered_bodies()
    return render(request, "dev/mailbox_detail.html", {"email": email, "body_text": text})


@debug_only
@xframe_options_sameorigin
def mailbox_html(request, pk):
    email = get_object_or_404(OutboxEmail, pk=pk)
    response = HttpResponse(email.delivered_bodies()[1])
    # The HTML body is ours, but it is shown in a frame with scripts forbidden all the same.
    response["Content-Security-Policy"] = "script-src 'none'; frame-ancestors 'self'"
    return response
