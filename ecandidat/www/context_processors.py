from django.conf import settings

from ecandidat.common.i18n import french_active
from ecandidat.dossier.services import cached_dossier_summary
from ecandidat.www.staff.backoffice import staff_menu

_VOWELS = tuple("AEIOUYÉÈÊÂÎÔÛaeiouyéèêâîôû")


def institution_elided(name: str) -> str:
    """The name after the French "à": "l’Université de Rouen", "Nantes Université"."""
    return f"l’{name}" if name.startswith(_VOWELS) else name


def site(request):
    name = settings.INSTITUTION_NAME
    return {
        "INSTITUTION_NAME": name,
        # The name as it follows "at" / "à" in the active language.
        "INSTITUTION_AT": institution_elided(name) if french_active() else name,
        "ACTIVATION_DAYS": settings.ACTIVATION_DAYS,
    }


def dossier(request):
    """The dossier's completion, for the sidebar and the home menu (a cache hit, or one
    query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_candidate:
        return {}

    return {"dossier_status": cached_dossier_summary(user)}


def staff(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return {}

    return {"staff_menu": staff_menu(user)}


def site_mode(request):
    """The mode, when not normal, for the banner every page carries (set by
    ``SiteModeMiddleware``; nothing to read otherwise)."""
    return {"site_mode": getattr(request, "site_mode", None)}
