"""What the student information system accepts, enforced where the candidate types.

The lengths are Pégase's, as eCandidat applies them in its Pégase mode (``ConstanteUtils``:
``SIZE_FIELD_NOM_PRENOM_PEGASE = 100`` for the names and first names,
``SIZE_FIELD_ADRESSE_PEGASE = 38`` for the three address lines and the town abroad). The
registration export (``ecandidat/exports/pegase.py``) applies the same rules to what was
stored before the forms had them, and lists every value it had to change.

The database columns keep their width: a migration that narrowed them would have to cut
the longer values already stored, which is the silent change these limits exist to avoid.
A longer stored value is shown as it is, and the form asks for a shorter one when the
section is saved again.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

NAME_MAX_LENGTH = 100
ADDRESS_LINE_MAX_LENGTH = 38

_LIMIT_HELP = _("At most {limit} characters (the limit of the student information system).")
NAME_HELP = format_lazy(_LIMIT_HELP, limit=NAME_MAX_LENGTH)
ADDRESS_LINE_HELP = format_lazy(_LIMIT_HELP, limit=ADDRESS_LINE_MAX_LENGTH)

# The registration files are ";"-separated without quoting (eCandidat's format): a ";", a
# '"' or a line break inside a value cannot be written as it is.
_NOT_IN_FILES = re.compile(r'[;"\x00-\x1f\x7f-\x9f\u2028\u2029]')


def validate_sis_text(value: str) -> None:
    if _NOT_IN_FILES.search(value or ""):
        raise ValidationError(
            _(
                'The characters ; and " and line breaks cannot be sent to the student '
                "information system: use a comma or an apostrophe."
            ),
            code="sis_characters",
        )


def address_line_validators() -> list:
    return [MaxLengthValidator(ADDRESS_LINE_MAX_LENGTH), validate_sis_text]
