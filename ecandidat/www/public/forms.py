import re

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.utils.translation import gettext_lazy as _

from ecandidat.accounts.enums import Language
from ecandidat.dossier.limits import NAME_HELP, NAME_MAX_LENGTH

# Letters of any alphabet, with the separators names really use.
NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '’.\-]+[^\W\d_]+)*\.?$")

RATE_LIMITED_MESSAGE = _(
    "Too many attempts. For your security, please wait a few minutes before trying again."
)


def validate_person_name(value: str) -> None:
    if not NAME_RE.match(value):
        raise forms.ValidationError(
            _("Use letters only, with spaces, hyphens or apostrophes between words."),
            code="invalid_name",
        )


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("User"),
        max_length=254,
        help_text=_("Your dossier number or your email address."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    # Who may log in through this form: the candidates' home page or the staff login.

    def __init__(self, request=None, *args, check_credentials=True, **kwargs):
        self.request = request
        self.user = None
        # Off when the attempt is rate limited: the password must not even be tried.
        self.check_credentials = check_credentials
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        username, password = cleaned.get("username"), cleaned.get("password")
        if username and password and self.check_credentials:
            user = authenticate(self.request, username=username, password=password)
            if user is None or not self.accepts(user):
                raise forms.ValidationError(self.invalid_message, code="invalid_login")
            self.user = user
        return cleaned

    invalid_message = _(
        "The user or the password is incorrect. If you have just created your "
        "account, activate it first with the link we emailed you."
    )

    def accepts(self, user) -> bool:
        return user.is_candidate


class StaffLoginForm(LoginForm):
    invalid_message = _("The login or the password is incorrect.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Login")
        self.fields["username"].help_text = ""

    def accepts(self, user) -> bool:
        return user.is_staff and not user.is_candidate


class StaffLoginLostForm(forms.Form):
    username = forms.CharField(
        label=_("Login"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )


class SignupForm(forms.Form):
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=NAME_MAX_LENGTH,
        validators=[validate_person_name],
        help_text=NAME_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    first_name = forms.CharField(
        label=_("First name"),
        max_length=NAME_MAX_LENGTH,
        validators=[validate_person_name],
        help_text=NAME_HELP,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    email = forms.EmailField(
        label=_("email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    email_confirmation = forms.EmailField(
        label=_("email address confirmation"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean(self):
        cleaned = super().clean()
        email, confirmation = cleaned.get("email"), cleaned.get("email_confirmation")
        if email and confirmation and email.lower() != confirmation.lower():
            self.add_error(
                "email_confirmation",
                forms.ValidationError(
                    _("The two email addresses are different."), code="email_mismatch"
                ),
            )
        return cleaned


class EmailForm(forms.Form):
    email = forms.EmailField(
        label=_("email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class NewPasswordForm(forms.Form):
    """Choose a password (activation, reset): Django's validators, typed twice."""

    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("New password confirmation"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields[
            "new_password1"
        ].help_text = password_validation.password_validators_help_text_html()

    def clean_new_password2(self):
        password1 = self.cleaned_data.get("new_password1")
        password2 = self.cleaned_data.get("new_password2")
        if password1 and password2 and password1 != password2:
            raise forms.ValidationError(
                _("The two passwords are different."), code="password_mismatch"
            )
        if password2:
            password_validation.validate_password(password2, self.user)
        return password2


class ChangePasswordForm(NewPasswordForm):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["old_password", "new_password1", "new_password2"]

    def clean_old_password(self):
        old = self.cleaned_data["old_password"]
        if not self.user.check_password(old):
            raise forms.ValidationError(
                _("Your current password is incorrect."), code="password_incorrect"
            )
        return old


class ChangeEmailForm(forms.Form):
    new_email = forms.EmailField(
        label=_("New email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    new_email_confirmation = forms.EmailField(
        label=_("New email address confirmation"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        email, confirmation = cleaned.get("new_email"), cleaned.get("new_email_confirmation")
        if email and confirmation and email.lower() != confirmation.lower():
            self.add_error(
                "new_email_confirmation",
                forms.ValidationError(
                    _("The two email addresses are different."), code="email_mismatch"
                ),
            )
        elif email and email.lower() == self.user.email.lower():
            self.add_error(
                "new_email",
                forms.ValidationError(
                    _("This is already your email address."), code="email_unchanged"
                ),
            )
        return cleaned


class LanguageForm(forms.Form):
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)
