"""Account forms: input shape and messages only; rules live in services."""

from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from conference import countries, i18n
from conference.accounts.models import Role, TokenScope
from conference.accounts.scopes import SCOPE_HELP
from conference.accounts.services import ORGANISATION_TYPES


class LoginForm(FlaskForm):
    email = StringField("E-mail address", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField("Log in")


class SignupForm(FlaskForm):
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    email = StringField("E-mail address", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        "Password (at least 10 characters)", validators=[DataRequired(), Length(min=10, max=1000)]
    )
    submit = SubmitField("Create account")


class EmailForm(FlaskForm):
    """Just an e-mail address: forgotten password, resend the confirmation."""

    email = StringField("E-mail address", validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField("Send the link")


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password (at least 10 characters)",
        validators=[DataRequired(), Length(min=10, max=1000)],
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )
    submit = SubmitField("Set the new password")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=1000)]
    )
    password = PasswordField(
        "New password (at least 10 characters)",
        validators=[DataRequired(), Length(min=10, max=1000)],
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )
    submit = SubmitField("Change the password")


class ProfileForm(FlaskForm):
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    organisation = StringField("Organisation", validators=[Optional(), Length(max=200)])
    organisation_type = SelectField("Type of organisation", validators=[Optional()])
    country = SelectField("Country", validators=[Optional()])
    position = StringField("Position or job title", validators=[Optional(), Length(max=200)])
    locale = SelectField("Language of pages and mails", validators=[Optional()])
    submit = SubmitField("Save the profile")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_type.choices = [SelectChoice(v, label) for v, label in ORGANISATION_TYPES]
        self.locale.choices = [SelectChoice("", "As my browser asks")] + [
            SelectChoice(code, i18n.language_name(code), render_kw={"lang": code})
            for code in i18n.offered_languages(None)
            if code != i18n.PSEUDO_LOCALE
        ]
        self.country.choices = [SelectChoice("", "— choose —")] + [
            SelectChoice(code, label, optgroup=group)
            for group, items in countries.choices()
            for code, label in items
        ]


class TokenForm(FlaskForm):
    name = StringField(
        "Token name", validators=[DataRequired(), Length(max=100)], description="e.g. scanner-1"
    )
    scope = RadioField("What the token may do", default="read")
    edition = SelectField("Edition (check-in tokens only)", validators=[Optional()])
    expires = DateField("Last day the token works (optional)", validators=[Optional()])
    submit = SubmitField("Create token")

    def __init__(self, *args, editions=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Least power first: the scope of a token is chosen, never assumed.
        order = (TokenScope.READ, TokenScope.CHECKIN, TokenScope.FULL)
        self.scope.choices = [SelectChoice(s.value, SCOPE_HELP[s]) for s in order]
        self.edition.choices = [SelectChoice("", "The newest edition where I scan badges")] + [
            SelectChoice(str(e.year), f"{e.year} · {e.title}") for e in editions
        ]


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Search by name or e-mail", validators=[Optional(), Length(max=200)])


ROLE_CHOICES = [SelectChoice(r.value, r.value.capitalize()) for r in Role]


class RoleGrantForm(FlaskForm):
    email = StringField("E-mail address", validators=[DataRequired(), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    submit = SubmitField("Grant role")
