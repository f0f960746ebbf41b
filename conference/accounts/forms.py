"""Account forms: input shape and messages only; rules live in services."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from conference import countries, i18n
from conference.accounts.models import Role, TokenScope
from conference.accounts.scopes import SCOPE_HELP
from conference.accounts.services import ORGANISATION_TYPES, role_label


class LoginForm(FlaskForm):
    email = StringField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Log in"))


class SignupForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = StringField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        _l("Password (at least 10 characters)"),
        validators=[DataRequired(), Length(min=10, max=1000)],
    )
    submit = SubmitField(_l("Create account"))


class EmailForm(FlaskForm):
    """Just an e-mail address: forgotten password, resend the confirmation."""

    email = StringField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send the link"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password (at least 10 characters)"),
        validators=[DataRequired(), Length(min=10, max=1000)],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )
    submit = SubmitField(_l("Set the new password"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=1000)]
    )
    password = PasswordField(
        _l("New password (at least 10 characters)"),
        validators=[DataRequired(), Length(min=10, max=1000)],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )
    submit = SubmitField(_l("Change the password"))


class ProfileForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    organisation_type = SelectField(_l("Type of organisation"), validators=[Optional()])
    country = SelectField(_l("Country"), validators=[Optional()])
    position = StringField(_l("Position or job title"), validators=[Optional(), Length(max=200)])
    locale = SelectField(_l("Language of pages and mails"), validators=[Optional()])
    submit = SubmitField(_l("Save the profile"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_type.choices = [SelectChoice(v, label) for v, label in ORGANISATION_TYPES]
        self.locale.choices = [SelectChoice("", _("As my browser asks"))] + [
            SelectChoice(code, i18n.language_name(code), render_kw={"lang": code})
            for code in i18n.offered_languages(None)
            if code != i18n.PSEUDO_LOCALE
        ]
        self.country.choices = [SelectChoice("", _("— choose —"))] + [
            SelectChoice(code, label, optgroup=group)
            for group, items in countries.choices()
            for code, label in items
        ]


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("e.g. scanner-1"),
    )
    scope = RadioField(_l("What the token may do"), default="read")
    edition = SelectField(_l("Edition (check-in tokens only)"), validators=[Optional()])
    expires = DateField(_l("Last day the token works (optional)"), validators=[Optional()])
    submit = SubmitField(_l("Create token"))

    def __init__(self, *args, editions=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Least power first: the scope of a token is chosen, never assumed.
        order = (TokenScope.READ, TokenScope.CHECKIN, TokenScope.FULL)
        self.scope.choices = [SelectChoice(s.value, SCOPE_HELP[s]) for s in order]
        self.edition.choices = [SelectChoice("", _("The newest edition where I scan badges"))] + [
            SelectChoice(str(e.year), f"{e.year} · {e.title}") for e in editions
        ]


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search by name or e-mail"), validators=[Optional(), Length(max=200)])


def role_choices() -> list[SelectChoice]:
    """The roles to grant, labelled in the request's language."""
    return [SelectChoice(r.value, role_label(r)) for r in Role]


class RoleGrantForm(FlaskForm):
    email = StringField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), choices=role_choices)
    submit = SubmitField(_l("Grant role"))
