import hashlib

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .enums import ADMINISTRATOR_RANK, ROLE_RANK, Language, StaffRole, TokenPurpose, UserKind
from .scope import scope_of


class AccountQuerySet(models.QuerySet):
    def candidates(self):
        return self.filter(kind=UserKind.CANDIDATE)

    def with_email(self, email: str):
        """Accounts whose confirmed address is ``email`` (case-insensitive)."""
        return self.filter(email__iexact=email.strip())

    def for_login(self, login: str):
        """The account a login field designates: a candidate's confirmed email, or a login
        (dossier number for candidates), case-insensitive. Empty for a value that cannot be
        one (a NUL byte would make PostgreSQL raise)."""
        login = (login or "").strip()
        if not login or "\x00" in login:
            return self.none()
        if "@" in login:
            return self.candidates().with_email(login)
        return self.filter(username__iexact=login)

    def rate_limit_key(self, login: str) -> str:
        """The per-account rate-limit key of what was typed in a login field: the account
        itself when it resolves to one, else the typed value (unknown logins are limited
        too)."""
        account_id = self.for_login(login).values_list("pk", flat=True).first()
        return f"account:{account_id}" if account_id is not None else (login or "").strip()

    def never_activated_before(self, moment):
        """Candidate accounts never activated whose every activation link expired by ``moment``."""
        live_links = AccountToken.objects.filter(
            user=models.OuterRef("pk"),
            purpose=TokenPurpose.ACTIVATION,
            used_at__isnull=True,
            expires_at__gt=moment,
        )
        return (
            self.candidates()
            .filter(activated_at__isnull=True, date_joined__lt=moment, last_login__isnull=True)
            .exclude(models.Exists(live_links))
        )

    def outranking(self, rank: int):
        """Accounts holding a role above ``rank`` (superusers rank as administrators)."""
        above = [role for role, value in ROLE_RANK.items() if value > rank]
        condition = models.Q(roles__role__in=above)
        if rank < ADMINISTRATOR_RANK:
            condition |= models.Q(is_superuser=True)
        return self.filter(condition).distinct()

    def role_grantable_by(self, actor):
        """Staff accounts whose roles ``actor`` may change: never their own, never someone
        who outranks them."""
        rank = rank_of(actor)
        return (
            self.filter(is_staff=True)
            .exclude(kind=UserKind.CANDIDATE)
            .exclude(pk=actor.pk)
            .exclude(pk__in=User.objects.outranking(rank).values("pk"))
        )


def rank_of(user) -> int:
    """The highest rank among the user's roles (a superuser ranks as an administrator)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_staff:
        return 0
    # The scope is computed once per request (a superuser has the administrator role there).
    return max((ROLE_RANK.get(role, 0) for role in scope_of(user).roles), default=0)


# django-stubs cannot type a base class built by from_queryset() in the class statement.
class AccountManager(UserManager.from_queryset(AccountQuerySet)):  # type: ignore[misc]
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("kind", UserKind.STAFF)
        extra_fields.setdefault("activated_at", timezone.now())
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """An account: a candidate (login = dossier number) or a staff member.

    One account per person, kept from one campaign to the next. The candidate's dossier
    (personal information, address, studies…) lives in the dossier app.
    """

    username = models.CharField(
        _("login"),
        max_length=150,
        unique=True,
        help_text=_("For a candidate, the dossier number."),
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=UserKind.choices, default=UserKind.CANDIDATE
    )
    last_name = models.CharField(_("Last name"), max_length=150)
    first_name = models.CharField(_("First name"), max_length=150)
    email = models.EmailField(_("email address"), max_length=254)
    pending_email = models.EmailField(_("new email address awaiting validation"), blank=True)
    preferred_language = models.CharField(
        _("Preferred language"), max_length=8, choices=Language.choices, default=Language.FRENCH
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    # The identifier the university's sign-in (CAS, SAML, OIDC) and its directory send for
    # this person: how a signed-in identity finds its account. Never typed by the person.
    university_id = models.CharField(
        _("university identifier"),
        max_length=150,
        blank=True,
        help_text=_(
            "The identifier the university's sign-in sends for this person (their directory "
            "login or eduPersonPrincipalName); empty for people outside the directory."
        ),
    )

    objects = AccountManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email", "last_name", "first_name"]

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            # One candidate account per address; staff accounts are separate people records.
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(kind=UserKind.CANDIDATE),
                name="accounts_unique_candidate_email",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=UserKind.values), name="accounts_user_kind_valid"
            ),
            # One account of each kind per university identity: the staff sign-in finds the
            # staff account, the student sign-in the candidate account of the same person.
            models.UniqueConstraint(
                Lower("university_id"),
                "kind",
                condition=~models.Q(university_id=""),
                name="accounts_unique_university_id",
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.username})"

    @property
    def is_candidate(self) -> bool:
        return self.kind == UserKind.CANDIDATE

    @property
    def is_activated(self) -> bool:
        return self.activated_at is not None

    @property
    def dossier_number(self) -> str:
        return self.username if self.is_candidate else ""

    @property
    def full_name(self) -> str:
        return f"{self.last_name} {self.first_name}".strip()

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.first_name


class IssuedDossierNumber(models.Model):
    """Every dossier number ever handed out; rows outlive their accounts so none is reused."""

    number = models.CharField(_("dossier number"), max_length=8, unique=True)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("issued dossier number")
        verbose_name_plural = _("issued dossier numbers")

    def __str__(self):
        return self.number


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class AccountToken(models.Model):
    """A single-use secret sent by email (activation, password reset, email change).

    Only the SHA-256 of the secret is stored: a copy of the database gives no usable link.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tokens")
    purpose = models.CharField(_("purpose"), max_length=32, choices=TokenPurpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("account token")
        verbose_name_plural = _("account tokens")
        indexes = [models.Index(fields=["user", "purpose"], name="accounts_token_user_purpose")]

    def __str__(self):
        return f"{self.purpose} for {self.user_id}"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


class RoleAssignmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Reading the roles screen is governed by the permission (central office and up).
        return self if rank_of(user) else self.none()

    def editable_by(self, user):
        """Assignments ``user`` may change or remove: not their own, not of a role above
        theirs, not of someone who outranks them."""
        rank = rank_of(user)
        return self.filter(
            role__in=[role for role, value in ROLE_RANK.items() if value <= rank],
            user__in=User.objects.role_grantable_by(user),
        )


class RoleAssignment(models.Model):
    """One role of a staff member, with its scope.

    A centre manager is scoped to a centre (optionally narrowed to one of its commissions);
    a commission member to a commission. Administrators and the central office see
    everything. A person may hold several assignments.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=24, choices=StaffRole.choices)
    centre = models.ForeignKey(
        "catalog.Centre",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("centre"),
    )
    commission = models.ForeignKey(
        "catalog.Commission",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("commission"),
    )
    can_decide = models.BooleanField(
        _("may enter decisions"), default=False, help_text=_("Commission members only.")
    )
    can_edit = models.BooleanField(
        _("may edit dossiers"), default=False, help_text=_("Candidate managers only.")
    )

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role=StaffRole.CENTRE_MANAGER) | models.Q(centre__isnull=False),
                name="accounts_centre_manager_has_centre",
            ),
            models.CheckConstraint(
                condition=~models.Q(role=StaffRole.COMMISSION_MEMBER)
                | models.Q(commission__isnull=False),
                name="accounts_commission_member_has_commission",
            ),
        ]

    def __str__(self):
        scope = self.commission or self.centre
        return f"{self.get_role_display()}{f' ({scope})' if scope else ''}"
