"""Logging out of a session the university's sign-in opened: the identity provider's session
ends too, where the protocol offers it (CAS logout, SAML single logout, OIDC end-session)."""

from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.urls import reverse

from ecandidat.identity.enums import Protocol

from . import cas, flow, oidc


def provider_logout(request, *, then: str):
    """The response that logs out here and at the identity provider, or None when the
    session was opened by a password (the caller logs out as usual). ``then`` is the view
    the browser ends on."""
    protocol = request.session.get(flow.PROTOCOL_KEY)
    if protocol == Protocol.SAML:
        # djangosaml2 sends the LogoutRequest and logs out here when the IdP answers.
        return _onwards(request, reverse("sso:saml_logout"))
    if protocol == Protocol.CAS:
        target = cas.logout_url(then)
    elif protocol == Protocol.OIDC:
        target = oidc.logout_url(request, then)
    else:
        return None
    logout(request)
    return _onwards(request, target) if target else redirect(then)


def _onwards(request, target: str):
    """A page that sends the browser on to ``target``. Not a redirect: the logout is a
    form, and the CSP's ``form-action 'self'`` also covers the redirects a form submission
    follows, so a redirect to the identity provider would be blocked."""
    return render(request, "sso/logging_out.html", {"target": target})
