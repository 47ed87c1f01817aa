"""What the university's sign-in told us, kept for what it is needed for.

- ``UniversityIdentity``: a student's identity as the university's sign-in last gave it
  (the dossier shows these fields read-only: the student information system is the source).
- ``SignInSession``: which session a CAS ticket or a SAML session index opened, so that a
  single-logout request from the identity provider ends exactly that session.
- ``ConsumedAssertion``: the identifiers of the assertions already accepted, so that a
  replayed one is refused, once, even when two copies arrive at the same time.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import Protocol


class UniversityIdentity(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="university_identity",
    )
    protocol = models.CharField(_("protocol"), max_length=8, choices=Protocol.choices)
    issuer = models.CharField(_("identity provider"), max_length=255)
    student_number = models.CharField(_("student number"), max_length=20, blank=True)
    ine = models.CharField(_("INE"), max_length=11, blank=True)
    birth_date = models.DateField(_("Birthdate"), null=True, blank=True)
    first_seen_at = models.DateTimeField(_("first signed in"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last signed in"), auto_now=True)

    class Meta:
        verbose_name = _("university identity")
        verbose_name_plural = _("university identities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(protocol__in=Protocol.values),
                name="identity_university_identity_protocol_valid",
            )
        ]

    def __str__(self):
        return f"{self.user_id} ({self.protocol})"


class SignInSession(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_sessions"
    )
    protocol = models.CharField(max_length=8, choices=Protocol.choices)
    session_index = models.CharField(max_length=255)
    session_key = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["protocol", "session_index"], name="identity_session_index"),
            models.Index(fields=["created_at"], name="identity_session_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(protocol__in=Protocol.values),
                name="identity_sign_in_session_protocol_valid",
            )
        ]

    def __str__(self):
        return f"{self.protocol}:{self.session_index}"


class ConsumedAssertion(models.Model):
    protocol = models.CharField(max_length=8, choices=Protocol.choices)
    identifier = models.CharField(max_length=255)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["protocol", "identifier"], name="identity_assertion_once"
            ),
            models.CheckConstraint(
                condition=models.Q(protocol__in=Protocol.values),
                name="identity_consumed_assertion_protocol_valid",
            ),
        ]
        indexes = [models.Index(fields=["expires_at"], name="identity_assertion_expiry")]

    def __str__(self):
        return f"{self.protocol}:{self.identifier}"


class ProviderMetadata(models.Model):
    """The last copy of an identity provider's (or a federation's) SAML metadata that
    passed its checks: fetched by the periodic job, its signature verified against the
    federation certificate, still valid. The service provider reads its IdPs from here, on
    every server, instead of fetching on a request."""

    url = models.URLField(_("metadata address"), max_length=500, unique=True)
    xml = models.TextField()
    fetched_at = models.DateTimeField(_("fetched at"))
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    entities = models.PositiveIntegerField(_("identity providers"), default=0)

    class Meta:
        verbose_name = _("identity provider metadata")
        verbose_name_plural = _("identity provider metadata")

    def __str__(self):
        return self.url
