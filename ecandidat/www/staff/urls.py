from django.urls import path

from . import views

app_name = "staff"

urlpatterns = [
    path("candidates/<str:dossier_number>/", views.candidate_dossier, name="candidate_dossier"),
    path("emails/", views.email_templates, name="email_templates"),
    path("emails/<str:key>/<str:language>/", views.email_preview, name="email_preview"),
]
