"""System checks of the review app's settings (``manage.py check``, and at every start)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

from .registration import API_TOKEN_MIN_LENGTH


@register(Tags.security)
def registration_api_token(app_configs, **kwargs):
    token = settings.REGISTRATION_API_TOKEN or ""
    if token and len(token) < API_TOKEN_MIN_LENGTH:
        return [
            Warning(
                f"REGISTRATION_API_TOKEN is shorter than {API_TOKEN_MIN_LENGTH} characters: "
                "the registration API ignores it and answers 404 to every token.",
                hint="Generate one with: python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'",
                id="exports.W001",
            )
        ]
    return []
