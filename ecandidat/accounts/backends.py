from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q

from .models import User
from .roles import permissions_for_roles
from .scope import scope_of


class LoginBackend(ModelBackend):
    """Log in with the login (dossier number for candidates) or a candidate's confirmed email.

    An address awaiting validation (``pending_email``) is never accepted. A candidate must
    have activated the account. Unknown logins still cost one password hash, so response
    time does not reveal which logins exist.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        login = (username or "").strip()
        if not login or password is None:
            return None
        user = User.objects.for_login(login).first()
        if user is None:
            User().set_password(password)
            return None
        if not user.check_password(password):
            return None
        if not self.user_can_authenticate(user):
            return None
        return user

    def get_all_permissions(self, user_obj, obj=None):
        """ModelBackend's set, read in one query instead of two (those given by hand and
        those of the user's groups together), plus the roles' (computed, no query); cached
        on the user object for the request as ModelBackend does."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                given = Permission.objects.all()
            else:
                given = Permission.objects.filter(
                    Q(user=user_obj) | Q(group__user=user_obj)
                ).distinct()
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in given.values_list("content_type__app_label", "codename")
            }
            if user_obj.is_staff:
                user_obj._perm_cache |= permissions_for_roles(scope_of(user_obj).roles)
        return user_obj._perm_cache

    def get_user_permissions(self, user_obj, obj=None):
        """Permissions given by hand plus those of the user's staff roles."""
        permissions = super().get_user_permissions(user_obj, obj)
        if obj is not None or not user_obj.is_active or not user_obj.is_staff:
            return permissions
        return set(permissions) | permissions_for_roles(scope_of(user_obj).roles)

    def user_can_authenticate(self, user):
        if user.is_candidate and not user.is_activated:
            return False
        return super().user_can_authenticate(user)
