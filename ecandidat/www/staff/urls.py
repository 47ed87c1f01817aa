from django.urls import path

from . import views

app_name = "staff"

urlpatterns = [
    path("candidates/<str:dossier_number>/", views.candidate_dossier, name="candidate_dossier"),
]
