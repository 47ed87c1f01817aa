"""Secrets carried by email links (activation, password reset, invitation, email change).

The outbox keeps every email as it was rendered, and staff can read the outbox. So a stored
body never holds a usable link: it holds ``PLACEHOLDER`` where the secret goes, and the row
keeps only a random *reference*. The secret itself is an HMAC of that reference under
``SECRET_KEY``, recomputed when the email is delivered; the account token stores only the
SHA-256 of the secret. A copy of the database therefore yields no working link, and neither
does any staff screen. Rotating ``SECRET_KEY`` ends every outstanding link (documented in
docs/security.md).
"""

import base64
import hashlib
import hmac
import secrets

from django.conf import settings

# URL-safe (unreserved characters only), so reverse() leaves it as it is inside a path.
PLACEHOLDER = "~link-secret~"


def new_reference() -> str:
    return secrets.token_urlsafe(24)


def secret_for(reference: str) -> str:
    """The link secret derived from a stored reference (256 bits, URL-safe)."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), b"email-link:" + reference.encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def reveal(body: str, reference: str) -> str:
    """The body as delivered: the placeholder replaced by the secret."""
    if not reference:
        return body
    return body.replace(PLACEHOLDER, secret_for(reference))
