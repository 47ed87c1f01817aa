"""Django admin as a superuser-only maintenance tool.

Everything staff need has a screen of its own in the back office; the admin stays for the
few superusers who maintain the installation. Its login page sends visitors to the staff
login (rate-limited, audited, with the second factor), and a signed-in staff member who is
not a superuser gets 404 there like anywhere outside their scope.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode


class SuperuserAdminSite(admin.AdminSite):
    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_superuser

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            raise Http404
        target = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('staff:login')}?{urlencode({'next': target})}")


class SuperuserAdminConfig(AdminConfig):
    default_site = "ecandidat.www.admin_site.SuperuserAdminSite"
