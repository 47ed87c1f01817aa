from django.conf import settings

_VOWELS = tuple("AEIOUYÉÈÊÂÎÔÛaeiouyéèêâîôû")


def institution_elided(name: str) -> str:
    """The name after the French "à": "l’Université de Rouen", "Nantes Université"."""
    return f"l’{name}" if name.startswith(_VOWELS) else name


def site(request):
    return {
        "INSTITUTION_NAME": settings.INSTITUTION_NAME,
        "INSTITUTION_NAME_ELIDED": institution_elided(settings.INSTITUTION_NAME),
        "ACTIVATION_DAYS": settings.ACTIVATION_DAYS,
    }
