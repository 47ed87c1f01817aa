from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from ecandidat.www import health

admin.site.site_header = _("eCandidat administration")
admin.site.site_title = _("eCandidat administration")

urlpatterns = [
    # Probes of the load balancer and the container runtime (ecandidat/www/health.py).
    path("healthz", health.liveness, name="healthz"),
    path("readyz", health.readiness, name="readyz"),
    path("", include("ecandidat.www.public.urls")),
    path("candidate/", include("ecandidat.www.candidate.urls")),
    path("staff/admin/", admin.site.urls),
    path("staff/", include("ecandidat.www.staff.urls")),
    path("sso/", include("ecandidat.www.sso.urls")),
    path("dev/", include("ecandidat.www.dev.urls")),  # 404 unless DEBUG
]
