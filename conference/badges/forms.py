"""Badge forms: input shape and messages only; rules live in services."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class ReasonForm(FlaskForm):
    """Revoke or reissue a badge, with a reason for the audit log."""

    reason = StringField("Reason", validators=[Optional(), Length(max=400)])
    submit = SubmitField("Confirm")


class PrintForm(FlaskForm):
    """Bulk printing on A4 sheets: all valid badges, or some categories only."""

    categories = SelectMultipleField(
        "Categories (none ticked: all categories)",
        coerce=int,
        validators=[Optional()],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    only_unprinted = BooleanField("Only badges not printed yet")
    submit = SubmitField("Print badges (A4, four per sheet)")


class BadgeFilterForm(FlaskForm):
    """Filters of the organisers' badge list (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField("Name or organisation", validators=[Optional(), Length(max=100)])
    category = SelectField("Category", coerce=str, validators=[Optional()])
    state = SelectField(
        "Badge state",
        choices=[
            SelectChoice("", "Any"),
            SelectChoice("valid", "Valid"),
            SelectChoice("revoked", "Revoked"),
        ],
        validators=[Optional()],
    )
    printed = SelectField(
        "Printed",
        choices=[
            SelectChoice("", "Any"),
            SelectChoice("yes", "Printed"),
            SelectChoice("no", "Not printed yet"),
        ],
        validators=[Optional()],
    )
