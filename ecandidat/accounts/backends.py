from django.contrib.auth.backends import ModelBackend

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
