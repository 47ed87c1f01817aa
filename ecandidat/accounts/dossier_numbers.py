"""Dossier numbers: the candidate's login, 8 characters from [0-9A-Z], never reused."""

import secrets
import string

from django.conf import settings
from django.db import IntegrityError, transaction

# Above accounts in the layers: the one exception listed in the import-linter contract.
from ecandidat.catalog.models import InstitutionSettings

from .models import IssuedDossierNumber, User

ALPHABET = string.digits + string.ascii_uppercase
LENGTH = 8


class DossierNumberExhausted(RuntimeError):
    pass


def random_dossier_number(prefix: str = "") -> str:
    prefix = prefix.upper()
    if len(prefix) > 2 or any(c not in ALPHABET for c in prefix):
        raise ValueError("The dossier-number prefix must be at most 2 characters from [0-9A-Z].")
    body = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH - len(prefix)))
    return prefix + body


def allocate_dossier_number(max_attempts: int = 50) -> str:
    """Reserve a number that no account, present or deleted, has ever had.

    The reservation is a row in ``IssuedDossierNumber`` (unique), inserted before the
    account: a concurrent sign-up that drew the same number loses the insert and draws again.
    """
    # The central office's setting wins over the deployment's default.
    prefix = InstitutionSettings.load().dossier_number_prefix or settings.DOSSIER_NUMBER_PREFIX
    for _ in range(max_attempts):
        candidate = random_dossier_number(prefix)
        if User.objects.filter(username__iexact=candidate).exists():
            continue  # a staff login happens to look like a dossier number
        try:
            with transaction.atomic():
                IssuedDossierNumber.objects.create(number=candidate)
        except IntegrityError:
            continue
        return candidate
    raise DossierNumberExhausted("Could not find a free dossier number.")
