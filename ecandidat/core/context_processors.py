from django.conf import settings
from django.utils.translation import get_language

_VOWELS = tuple("AEIOUYÉÈÊÂÎÔÛaeiouyéèêâîôû")


def institution_elided(name: str) -> str:
    """The name after the French "à": "l’Université de Rouen", "Nantes Université"."""
    return f"l’{name}" if name.startswith(_VOWELS) else name


def site(request):
    name = settings.INSTITUTION_NAME
    return {
        "INSTITUTION_NAME": name,
        # The name as it follows "at" / "à" in the active language.
        "INSTITUTION_AT": institution_elided(name) if get_language() == "fr" else name,
        "ACTIVATION_DAYS": settings.ACTIVATION_DAYS,
    }
