"""Validation of the French national student identifier (INE).

The candidate types the INE as a single 11-character value: identifier and
key "tout attaché : sans espace, ni tiret" (eCandidat message
``infoperso.ine.info``).  Three families of numbers are accepted; they never
overlap, because the 10th and 11th characters are a digit and a letter (BEA),
anything and a digit (RNIE / base 36) or two letters (INES).

``IneFormat.BEA`` -- "INE-BEA" (Base Élèves Académique, the pupil number given
by the rectorats, also called "numéro BEA"; "BEA23" in eCandidat)
    10 digits followed by one key letter.  Key: the 10 digits read as one
    decimal number, modulo 23, used as a 0-based index into the 23-letter
    alphabet ``ABCDEFGHJKLMNPRSTUVWXYZ`` (A-Z without I, O and Q), so
    0 -> A, 1 -> B, 8 -> J, 13 -> P, 14 -> R, 22 -> Z.  A body made of ten
    identical digits (0000000000 ... 9999999999) is rejected even when its
    key is right, and the letters I, O and Q are never a valid key.

``IneFormat.RNIE`` -- the "INE-Base 36" (called "NNE 36" / "INE
universitaire" in eCandidat and Apogée: the number attributed by a
university)
    10 characters in ``[0-9A-Z]`` followed by one key digit.  Each body
    character is read as a base-36 digit (0-9 -> 0-9, A -> 10 ... Z -> 35);
    key = last decimal digit of ``6 * (v1 + ... + v9) + v10``, i.e. the sum
    of the first nine values is weighted by 6 and the tenth value is added
    unweighted.  As in eCandidat, a body of ten identical digits or of ten
    letters is rejected.
    Naming caveat: the member name ``RNIE`` is part of this module's API,
    but the ministry's nomenclature, as used by API Particulier, calls
    "INE-RNIE" the 9-digit + 2-letter form handled below as ``INES`` and
    "INE-Base 36" this one.  Do not map these labels one to one.

``IneFormat.INES`` -- 9 digits followed by 2 letters (the form of the
numbers attributed by the national register of identifiers, given to pupils
since the 2018 school year, and by the higher-education INES service; API
Particulier labels it "INE-RNIE (INES)")
    FORMAT CHECK ONLY.  The key algorithm is not public: eCandidat sends
    such numbers to the INES web service (``checkStudentINES``) instead of
    computing a key.  Any two ASCII letters are accepted here; a stricter
    ``[A-HJK]{2}`` pattern seen in API Particulier is deliberately not
    enforced, because rejecting a genuine number is worse than letting the
    web service (or a human) reject a wrong one.  Callers that need
    certainty must still query INES.

Not supported (detected as ``None``): the apprentices' "INE-SIFA"
(``NNNNANNNNNL``) and the provisional ``NNNNDNNNNNL`` numbers.

Deliberate differences with eCandidat's ``checkStudentINE``: eCandidat
deletes every space before checking and reports an empty value as correct
(the field is optional there).  Here internal spaces and dashes make the
value invalid, only outer whitespace is ignored, and an empty value is not a
valid INE: whether the field may be left blank is the caller's decision.

Sources (algorithms re-implemented from their description, no code copied):

* eCandidat, ``src/main/java/fr/univlorraine/ecandidat/utils/MethodUtils.java``
  (``checkBEA23``, ``checkNNE36``, ``isINES``) and
  ``controllers/CandidatController.java`` (``checkStudentINE``),
  https://github.com/EsupPortail/esup-ecandidat
* esup-transferts, ``esup-transferts-utils/.../CheckBEA23.java`` and
  ``CheckNNE36.java`` (same algorithms in separate code; both projects mark
  them as coming from Rouen), https://github.com/aitkarrafarid/esup-transferts
* API Particulier format rules (INE-RNIE, INE-BEA, INE-Base 36, INE-SIFA,
  regular expressions only, no key): ``siade/app/interactors/individual/
  validate_ine.rb`` in https://github.com/datagouv/apistration; its public
  staging data set https://github.com/etalab/siade_staging_data contains BEA
  numbers (0100007108D, 0100008010J) whose keys agree with the algorithm
  above.
"""

from __future__ import annotations

import enum
import re

__all__ = [
    "IneFormat",
    "bea_key",
    "detect_ine_format",
    "is_valid_ine",
    "normalize_ine",
    "rnie_key",
]


class IneFormat(enum.StrEnum):
    """Family of an INE; the value is stable and may be stored."""

    BEA = "bea"
    RNIE = "rnie"
    INES = "ines"


# A-Z without I, O and Q: the 23 letters a modulo-23 remainder is mapped onto.
# The position in this string *is* the remainder (0-based).
_BEA_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ"
_BEA_FORBIDDEN_KEYS = frozenset("IOQ")

# Explicit ASCII classes: ``\d`` and ``str.isdigit`` would also accept Arabic-
# Indic, full-width... digits, which no INE contains.  ``fullmatch`` is used
# everywhere so that a trailing newline cannot sneak through like with ``$``.
_BEA_BODY = re.compile(r"[0-9]{10}")
_RNIE_BODY = re.compile(r"[0-9A-Z]{10}")
_BEA_RE = re.compile(r"[0-9]{10}[A-Z]")
_RNIE_RE = re.compile(r"[0-9A-Z]{10}[0-9]")
_INES_RE = re.compile(r"[0-9]{9}[A-Z]{2}")
_ALL_LETTERS = re.compile(r"[A-Z]{10}")

# Upper-case ASCII letters only.  ``str.upper`` would also turn, say, the
# ligature U+FB00 into "FF" or the long s U+017F into "S", which could make
# a 10-character paste look like a valid 11-character INES/BEA number.
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")

_INE_LENGTH = 11


def normalize_ine(value: str) -> str:
    """Return ``value`` without outer whitespace and with ASCII letters upper-cased.

    Nothing else is changed: internal spaces or dashes are kept so that the
    value is then rejected, as the form asks for the number "all attached".
    """
    return value.strip().translate(_ASCII_UPPER)


def _is_repeated_digit(body: str) -> bool:
    # "0000000000" ... "9999999999": placeholder values typed when the real
    # number is unknown; eCandidat refuses them for both BEA and base 36.
    return body.isdigit() and len(set(body)) == 1


def bea_key(number10: str) -> str:
    """Compute the key letter of a BEA number from its 10 digits.

    The repeated-digit rule is a validity rule, not part of the key, so
    ``bea_key("0000000000")`` still returns ``"A"``.

    Raises:
        TypeError: if ``number10`` is not a string.
        ValueError: if ``number10`` is not exactly 10 ASCII digits.
    """
    if not isinstance(number10, str):
        raise TypeError("the BEA body must be a string")
    if not _BEA_BODY.fullmatch(number10):
        raise ValueError("a BEA body is exactly 10 digits")
    # Python integers are unbounded, so the whole 10-digit number can be
    # reduced at once (the Java code needs a ``long`` for the same reason).
    return _BEA_ALPHABET[int(number10) % 23]


def _base36_value(char: str) -> int:
    # int(c, 36) maps 0-9 to 0-9 and A-Z (either case) to 10-35; callers
    # have already checked that ``char`` is ASCII [0-9A-Z].
    return int(char, 36)


def rnie_key(number10: str) -> str:
    """Compute the key digit of a base-36 ("RNIE" / NNE 36) INE.

    ``number10`` is the 10-character body; lower-case letters are accepted
    and read like upper-case ones.

    Raises:
        TypeError: if ``number10`` is not a string.
        ValueError: if ``number10`` is not exactly 10 characters in [0-9A-Za-z].
    """
    if not isinstance(number10, str):
        raise TypeError("the base-36 INE body must be a string")
    body = number10.translate(_ASCII_UPPER)
    if not _RNIE_BODY.fullmatch(body):
        raise ValueError("a base-36 INE body is exactly 10 characters in [0-9A-Z]")
    weighted = 6 * sum(_base36_value(char) for char in body[:9])
    total = weighted + _base36_value(body[9])
    # "Last decimal digit of the sum" is the sum modulo 10.
    return str(total % 10)


def _is_valid_bea(ine: str) -> bool:
    if not _BEA_RE.fullmatch(ine):
        return False
    body, key = ine[:10], ine[10]
    if _is_repeated_digit(body) or key in _BEA_FORBIDDEN_KEYS:
        return False
    return bea_key(body) == key


def _is_valid_rnie(ine: str) -> bool:
    if not _RNIE_RE.fullmatch(ine):
        return False
    body, key = ine[:10], ine[10]
    if _is_repeated_digit(body) or _ALL_LETTERS.fullmatch(body):
        return False
    return rnie_key(body) == key


def _is_valid_ines(ine: str) -> bool:
    # Format only: see the module docstring.
    return _INES_RE.fullmatch(ine) is not None


def detect_ine_format(value: str) -> IneFormat | None:
    """Return the format of a valid INE, or ``None`` if the value is not a valid INE.

    The value is normalized first (outer whitespace, case).  Keys are checked
    for BEA and base-36 numbers; INES numbers are only format-checked.
    """
    # Defensive: form and API layers may hand over None or a non-string.
    if not isinstance(value, str):
        return None
    ine = normalize_ine(value)
    if len(ine) != _INE_LENGTH:
        return None
    if _is_valid_bea(ine):
        return IneFormat.BEA
    if _is_valid_rnie(ine):
        return IneFormat.RNIE
    if _is_valid_ines(ine):
        return IneFormat.INES
    return None


def is_valid_ine(value: str) -> bool:
    """Tell whether ``value`` is a valid INE of any supported format.

    An empty value is not valid; callers decide whether the field is optional.
    """
    return detect_ine_format(value) is not None
