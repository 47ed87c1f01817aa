from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import OutboxEmail


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    """Administrators see every email, filter the failed ones and send them again. No one
    deletes one: an email that must not leave is cancelled from the staff outbox (audited)."""

    list_display = ["created_at", "template", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status", "template", "language"]
    search_fields = ["recipient", "subject"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutboxEmail._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send the selected emails again"))
    def send_again(self, request, queryset):
        # An email delivered, or being sent right now, is left as it is.
        count = sum(services.requeue(email.pk, actor=request.user) for email in queryset)
        self.message_user(
            request,
            ngettext("%(n)d email queued again.", "%(n)d emails queued again.", count)
            % {"n": count},
            messages.SUCCESS,
        )
