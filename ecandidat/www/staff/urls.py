from django.urls import path

from . import (
    applications,
    backoffice,
    candidates,
    jobs,
    registrations,
    staff_accounts,
    two_factor,
    views,
)

app_name = "staff"

urlpatterns = [
    path("", backoffice.dashboard, name="dashboard"),
    path("settings/", backoffice.institution_settings, name="settings"),
    path("jobs/", jobs.job_list, name="jobs"),
    path("registrations/", registrations.export_page, name="registrations"),
    path("api/registrations/", registrations.api, name="registrations_api"),
    path("jobs/<int:pk>/<str:action>/", jobs.job_action, name="job_action"),
    path("2fa/setup/", two_factor.setup, name="two_factor_setup"),
    path("2fa/verify/", two_factor.verify, name="two_factor_verify"),
    path("programs/bulk/", backoffice.programs_bulk, name="programs_bulk"),
    path("campaigns/<int:pk>/activate/", backoffice.campaign_activate, name="campaign_activate"),
    path("staff-accounts/new/", staff_accounts.create, name="staff_account_create"),
    path("candidates/", candidates.search, name="candidate_search"),
    path("candidates/new/", candidates.create_account, name="candidate_create"),
    path("candidates/<str:dossier_number>/", views.candidate_dossier, name="candidate_dossier"),
    path(
        "candidates/<str:dossier_number>/edit/<str:section>/",
        candidates.edit_section,
        name="candidate_edit",
    ),
    path(
        "candidates/<str:dossier_number>/erase/", candidates.erase_account, name="candidate_erase"
    ),
    path(
        "candidates/<str:dossier_number>/apply/",
        views.apply_for_candidate,
        name="apply_for_candidate",
    ),
    path("emails/", views.email_templates, name="email_templates"),
    path("applications/<int:pk>/file.pdf", views.application_pdf, name="application_pdf"),
    path("applications/<int:pk>/letter.pdf", views.application_letter, name="application_letter"),
    path("files/<int:file_id>/", views.candidate_file, name="candidate_file"),
    path("emails/<str:key>/<str:language>/", views.email_preview, name="email_preview"),
    path("applications/", applications.application_list, name="applications"),
    path("applications/dashboard/", applications.dashboard, name="applications_dashboard"),
    path("applications/export.<str:fmt>", applications.export, name="applications_export"),
    path("applications/bulk/", applications.bulk_start, name="bulk_start"),
    path("applications/download/", applications.download, name="applications_download"),
    path("applications/bulk/<int:pk>/", applications.bulk_job, name="bulk_job"),
    path("applications/exports/<int:pk>/", applications.export_file, name="export_file"),
    path("applications/<int:pk>/", applications.application_detail, name="application"),
    path("applications/<int:pk>/decision/", applications.decision_enter, name="decision_enter"),
    path(
        "applications/<int:pk>/decision/<int:decision_id>/validate/",
        applications.decision_validate,
        name="decision_validate",
    ),
    path("applications/<int:pk>/direct-access/", applications.direct_access, name="direct_access"),
    path(
        "applications/<int:pk>/<str:action>/",
        applications.application_action,
        name="application_action",
    ),
    path("catalog/<str:key>/", backoffice.resource_list, name="resource_list"),
    path("catalog/<str:key>/new/", backoffice.resource_edit, name="resource_new"),
    path("catalog/<str:key>/<int:pk>/", backoffice.resource_edit, name="resource_edit"),
]
