from django.urls import path

from . import application_views, dossier_views, views

app_name = "candidate"


def _list_urls(slug: str, key: str) -> list:
    name = f"dossier_{key}"
    section = {"section": key}
    return [
        path(f"dossier/{slug}/", dossier_views.list_section, section, name=name),
        path(f"dossier/{slug}/new/", dossier_views.entry_form, section, name=f"{name}_new"),
        path(f"dossier/{slug}/<int:pk>/", dossier_views.entry_form, section, name=f"{name}_edit"),
        path(
            f"dossier/{slug}/<int:pk>/delete/",
            dossier_views.entry_delete,
            section,
            name=f"{name}_delete",
        ),
    ]


urlpatterns = [
    path("", views.home, name="home"),
    path("account/", views.account, name="account"),
    path("logout/", views.logout_view, name="logout"),
    path(
        "dossier/personal/",
        dossier_views.single_section,
        {"section": "personal"},
        name="dossier_personal",
    ),
    path(
        "dossier/address/",
        dossier_views.single_section,
        {"section": "address"},
        name="dossier_address",
    ),
    path(
        "dossier/baccalaureate/",
        dossier_views.single_section,
        {"section": "baccalaureate"},
        name="dossier_baccalaureate",
    ),
    path("dossier/local-studies/", dossier_views.local_studies, name="dossier_local_studies"),
    *_list_urls("non-local-studies", "non_local_studies"),
    *_list_urls("internships", "internships"),
    *_list_urls("work-experience", "work_experience"),
    path("applications/", application_views.application_list, name="applications"),
    path("apply/<int:program_id>/", application_views.apply, name="apply"),
    path("applications/<int:pk>/", application_views.application_detail, name="application"),
    path(
        "applications/<int:pk>/documents/<int:document_type_id>/upload/",
        application_views.document_upload,
        name="document_upload",
    ),
    path(
        "applications/<int:pk>/documents/<int:document_type_id>/<str:action>/",
        application_views.document_action,
        name="document_action",
    ),
    path("applications/<int:pk>/answers/", application_views.answers, name="answers"),
    path("applications/<int:pk>/submit/", application_views.submit, name="submit"),
    path("applications/<int:pk>/cancel/", application_views.cancel, name="cancel"),
    path(
        "applications/<int:pk>/answer/<str:value>/",
        application_views.answer_offer,
        name="answer_offer",
    ),
    path(
        "applications/<int:pk>/file.pdf", application_views.application_file, name="application_pdf"
    ),
    path("applications/<int:pk>/letter.pdf", application_views.letter, name="letter"),
    path("files/<int:file_id>/", application_views.own_file, name="file"),
    path(
        "templates/<int:document_type_id>/",
        application_views.document_template,
        name="document_template",
    ),
]
