from django.urls import path

from . import dossier_views, views

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
]
