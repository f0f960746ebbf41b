"""Forms of the two-factor pages: input shape and messages only."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length


class SecondFactorForm(FlaskForm):
    """The second login step: a code from the authenticator app or a recovery code."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(_l("Please enter a code.")), Length(max=40)],
    )


class TotpSetupForm(FlaskForm):
    """Confirm a new authenticator app with the code it shows."""

    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(_l("Please enter the code your app shows.")), Length(max=40)],
    )


class ConfirmResetForm(FlaskForm):
    """A site administrator resets someone's second factor."""

    confirm = BooleanField(
        _l("I have checked this person's identity outside this site"),
        validators=[
            DataRequired(_l("Please confirm that you have checked the person's identity."))
        ],
    )
