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


class LookupForm(FlaskForm):
    """Find someone whose code cannot be read (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(
        "Name, organisation or badge number",
        validators=[
            DataRequired(message="Type part of a name or the badge number."),
            Length(max=100),
        ],
    )


class ManualAdmissionForm(FlaskForm):
    """Admit the holder of a badge number without reading the code, with a reason."""

    checkpoint = StringField("Checkpoint", validators=[DataRequired(), Length(max=40)])
    badge_number = StringField("Badge number", validators=[DataRequired(), Length(max=9)])
    manual_reason = SelectField(
        "Reason",
        choices=[
            SelectChoice("forgotten_badge", "Forgotten badge"),
            SelectChoice("unreadable_print", "Unreadable print"),
            SelectChoice("organiser_override", "Organiser override (organisers only)"),
        ],
    )


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
