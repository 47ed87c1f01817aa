"""Labels stored in both languages (``label_fr`` / ``label_en``, ``name_fr`` / ``name_en``…),
shown in the active one."""

from django.utils.translation import get_language


def french_active() -> bool:
    """French is the active language (or none is: French is the site's own)."""
    return (get_language() or "fr").startswith("fr")


def localized(fr: str, en: str) -> str:
    """``fr`` in French, ``en`` in any other language, ``fr`` when ``en`` is empty."""
    return fr if french_active() else (en or fr)


class LocalizedLabel:
    """For a model with ``label_fr`` and ``label_en`` fields: ``label`` in the active
    language. A plain mixin (no field, no migration):
    ``class DecisionType(LocalizedLabel, models.Model)``, whose ``__str__`` returns
    ``self.label``."""

    @property
    def label(self) -> str:
        return localized(self.label_fr, self.label_en)
