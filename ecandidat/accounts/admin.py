from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.utils.translation import gettext_lazy as _

from .models import RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = []


class AccountCreationForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "kind", "last_name", "first_name", "email")


class AccountChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = AccountChangeForm
    add_form = AccountCreationForm
    inlines = [RoleAssignmentInline]
    list_display = ["username", "last_name", "first_name", "email", "kind", "activated_at"]
    list_filter = ["kind", "is_staff", "is_active"]
    search_fields = ["username", "last_name", "first_name", "email"]
    ordering = ["username"]
    # Superusers are made on the command line (createsuperuser); rights come from roles.
    readonly_fields = [
        "date_joined",
        "last_login",
        "activated_at",
        "is_superuser",
        "groups",
        "user_permissions",
    ]
    fieldsets = (
        (None, {"fields": ("username", "kind", "password")}),
        (
            _("Identity"),
            {"fields": ("last_name", "first_name", "email", "pending_email", "preferred_language")},
        ),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("date_joined", "activated_at", "last_login")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "kind",
                    "last_name",
                    "first_name",
                    "email",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
