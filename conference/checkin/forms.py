"""Check-in forms: the scanner's manual entry and the scan log filters."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields import DateTimeLocalField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional


class ScanForm(FlaskForm):
    """Manual entry (or a keyboard-wedge barcode reader typing into the field)."""

    checkpoint = SelectField("Checkpoint", validators=[DataRequired()])
    direction = SelectField(
        "Direction",
        choices=[SelectChoice("in", "Entry"), SelectChoice("out", "Exit")],
        default="in",
    )
    code = StringField(
        "Badge code",
        validators=[DataRequired(message="Type or scan the badge code."), Length(max=2000)],
    )
    submit = SubmitField("Check")


class ScanLogFilterForm(FlaskForm):
    class Meta:
        csrf = False

    checkpoint = SelectField("Checkpoint", validators=[Optional()])
    result = SelectField(
        "Result",
        choices=[
            SelectChoice("", "Any"),
            SelectChoice("admitted", "Admitted"),
            SelectChoice("admitted_again", "Admitted again"),
            SelectChoice("denied", "Denied"),
        ],
        validators=[Optional()],
    )
    since = DateTimeLocalField("From (local time)", validators=[Optional()])
    until = DateTimeLocalField("Until (local time)", validators=[Optional()])
