"""Rate limits for the anonymous forms (login, sign-up, recovery) and the 2FA step.

Counters live in Django's cache (local memory in the demo, Redis in production, so every app
server shares them). django-ratelimit does the counting; this module names the limits and
gives views one call that checks both the client address and the targeted account.
"""

import hashlib

from django.conf import settings
from django_ratelimit.core import is_ratelimited


def _account_key(value: str) -> str:
    # Hash so the cache never holds email addresses in clear.
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()


def limit_exceeded(request, scope: str, account: str | None) -> bool:
    """Count one attempt for ``scope`` and say whether a limit is now exceeded.

    ``scope`` is one of ``login``, ``staff_login``, ``signup``, ``recovery``; ``account`` is
    the key of the targeted account (``User.objects.rate_limit_key`` for logins, so a dossier
    number and the same candidate's email share one counter; the typed address for the other
    forms; ``None`` when the form did not even carry one).
    """
    ip_limited = is_ratelimited(
        request,
        group=f"{scope}:ip",
        key="ip",  # honours RATELIMIT_IP_META_KEY and groups IPv6 clients by /64
        rate=settings.RATELIMITS[f"{scope}_ip"],
        increment=True,
    )
    account_limited = False
    if account:
        account_limited = is_ratelimited(
            request,
            group=f"{scope}:account",
            key=lambda _group, _req: _account_key(account),
            rate=settings.RATELIMITS[f"{scope}_account"],
            increment=True,
        )
    return ip_limited or account_limited


def second_factor_limit_exceeded(request, user) -> bool:
    """Count one code attempt of a signed-in staff member.

    Only a session that already gave the right password reaches the code form, and the
    counter is the account's own: anonymous login attempts, which count elsewhere, can never
    lock a staff member out of their second factor.
    """
    return is_ratelimited(
        request,
        group="two_factor:account",
        key=lambda _group, _req: f"user:{user.pk}",
        rate=settings.RATELIMITS["two_factor_account"],
        increment=True,
    )
