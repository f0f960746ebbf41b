"""Forms of the two-factor pages: input shape and messages only."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length


class SecondFactorForm(FlaskForm):
    """The second login step: a code from the authenticator app or a recovery code."""

    code = StringField(
        "Code",
        validators=[DataRequired("Please enter a code."), Length(max=40)],
    )


class TotpSetupForm(FlaskForm):
    """Confirm a new authenticator app with the code it shows."""

    code = StringField(
        "Code from the app",
        validators=[DataRequired("Please enter the code your app shows."), Length(max=40)],
    )


class ConfirmResetForm(FlaskForm):
    """A site administrator resets someone's second factor."""

    confirm = BooleanField(
        "I have checked this person's identity outside this site",
        validators=[DataRequired("Please confirm that you have checked the person's identity.")],
    )
