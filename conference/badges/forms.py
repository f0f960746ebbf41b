"""Badge forms: input shape and messages only; rules live in services."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class ReasonForm(FlaskForm):
    """Revoke or reissue a badge, with a reason for the audit log."""

    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=400)])
    submit = SubmitField(_l("Confirm"))


class PrintForm(FlaskForm):
    """Bulk printing on A4 sheets: all valid badges, or some categories only."""

    categories = SelectMultipleField(
        _l("Categories (none ticked: all categories)"),
        coerce=int,
        validators=[Optional()],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    only_unprinted = BooleanField(_l("Only badges not printed yet"))
    submit = SubmitField(_l("Print badges (A4, four per sheet)"))


class BadgeFilterForm(FlaskForm):
    """Filters of the organisers' badge list (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or organisation"), validators=[Optional(), Length(max=100)])
    category = SelectField(_l("Category"), coerce=str, validators=[Optional()])
    state = SelectField(
        _l("Badge state"),
        choices=[
            SelectChoice("", _l("Any")),
            SelectChoice("valid", _l("Valid")),
            SelectChoice("revoked", _l("Revoked")),
        ],
        validators=[Optional()],
    )
    printed = SelectField(
        _l("Printed"),
        choices=[
            SelectChoice("", _l("Any")),
            SelectChoice("yes", _l("Printed")),
            SelectChoice("no", _l("Not printed yet")),
        ],
        validators=[Optional()],
    )
