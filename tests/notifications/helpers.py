"""Outbox rows for the delivery tests, stored as ``send_email`` stores them."""

from ecandidat.notifications.models import OutboxEmail


def make_emails(count: int, **fields) -> list[OutboxEmail]:
    """Outbox rows as ``send_email`` stores them, without rendering each one."""
    rows = []
    for i in range(count):
        values = {
            "template": "password_changed",
            "language": "fr",
            "recipient": f"candidat{i}@example.org",
            "subject": f"Votre mot de passe eCandidat a été modifié ({i})",
            "body_text": f"Bonjour Élodie n°{i},\n\nVotre mot de passe a été modifié.\n",
            "body_html": f'<html lang="fr"><body><p>Bonjour Élodie n°{i}</p></body></html>',
        }
        rows.append(OutboxEmail(**{**values, **fields}))
    return OutboxEmail.objects.bulk_create(rows, batch_size=1000)
