"""ecandidat.common: what every app imports (refusals, labels in the active language, NUL)."""

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from ecandidat.accounts.services import AccountError
from ecandidat.applications.services import ApplicationRefused, DocumentRefused, Reason
from ecandidat.applications.workflow import TransitionRefused
from ecandidat.catalog.models import TrainingType
from ecandidat.common.errors import DomainError
from ecandidat.common.i18n import LocalizedLabel, french_active, localized
from ecandidat.common.text import without_nul
from ecandidat.dossier.services import StaleEdit
from ecandidat.files.uploads import UploadRefused
from ecandidat.referentials.models import Honours


def test_domain_error_carries_the_message_shown():
    error = DomainError(gettext_lazy("Saved."))
    assert error.message == "Saved." and str(error) == "Saved."
    with translation.override("fr"):
        assert str(DomainError(gettext_lazy("Saved."))) == "Enregistré."


@pytest.mark.parametrize(
    ("raise_it", "message"),
    [
        (lambda: UploadRefused("too big"), "too big"),
        (lambda: DocumentRefused("not now"), "not now"),
        (lambda: ApplicationRefused([Reason("a", "One"), Reason("b", "Two")]), "One; Two"),
        (lambda: AccountError("invalid-token"), "This link is no longer valid"),
        (lambda: StaleEdit(), "This information was changed meanwhile: check it and save again."),
        (
            lambda: TransitionRefused("cancel", "received"),
            "This action is not possible while the file is “Received”.",
        ),
    ],
)
def test_every_refusal_is_a_domain_error_with_its_message(raise_it, message):
    error = raise_it()
    assert isinstance(error, DomainError)
    assert str(error.message) == message


def test_account_errors_keep_their_code():
    assert AccountError("email-taken").code == "email-taken"


def test_localized_follows_the_active_language():
    with translation.override("fr"):
        assert french_active() and localized("Licence", "Bachelor") == "Licence"
    with translation.override("en"):
        assert not french_active()
        assert localized("Licence", "Bachelor") == "Bachelor"
        assert localized("Licence", "") == "Licence"  # no English label: the French one
    with translation.override(None):
        assert localized("Licence", "Bachelor") == "Licence"  # the site's own language


def test_models_with_two_labels_share_the_helper():
    training = TrainingType(label_fr="Licence", label_en="Bachelor")
    honours = Honours(label_fr="Très bien", label_en="Highest honours")
    assert isinstance(training, LocalizedLabel) and isinstance(honours, LocalizedLabel)
    with translation.override("en"):
        assert (training.label, str(training)) == ("Bachelor", "Bachelor")
        assert str(honours) == "Highest honours"
    with translation.override("fr"):
        assert str(training) == "Licence" and str(honours) == "Très bien"


def test_without_nul():
    assert without_nul("a\x00b") == "ab"
    assert without_nul(None) == ""
    assert without_nul(12) == "12"
