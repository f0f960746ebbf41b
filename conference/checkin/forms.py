"""Check-in forms: the scanner's manual entry and the scan log filters."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields import DateTimeLocalField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional


class ScanForm(FlaskForm):
    """Manual entry (or a keyboard-wedge barcode reader typing into the field)."""

    checkpoint = SelectField(_l("Checkpoint"), validators=[DataRequired()])
    direction = SelectField(
        _l("Direction"),
        choices=[SelectChoice("in", _l("Entry")), SelectChoice("out", _l("Exit"))],
        default="in",
    )
    code = StringField(
        _l("Badge code"),
        validators=[DataRequired(message=_l("Type or scan the badge code.")), Length(max=2000)],
    )
    submit = SubmitField(_l("Check"))


class LookupForm(FlaskForm):
    """Find someone whose code cannot be read (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Name, organisation or badge number"),
        validators=[
            DataRequired(message=_l("Type part of a name or the badge number.")),
            Length(max=100),
        ],
    )


class ManualAdmissionForm(FlaskForm):
    """Admit the holder of a badge number without reading the code, with a reason."""

    checkpoint = StringField(_l("Checkpoint"), validators=[DataRequired(), Length(max=40)])
    badge_number = StringField(_l("Badge number"), validators=[DataRequired(), Length(max=9)])
    manual_reason = SelectField(
        _l("Reason"),
        choices=[
            SelectChoice("forgotten_badge", _l("Forgotten badge")),
            SelectChoice("unreadable_print", _l("Unreadable print")),
            SelectChoice("organiser_override", _l("Organiser override (organisers only)")),
        ],
    )


class DoorSettingsForm(FlaskForm):
    """The organisers' door choices (the check-in page)."""

    names_offline = BooleanField(_l("Names in the offline bundle"))
    exit_scans = SelectMultipleField(_l("Doors that take exit scans"), choices=[])


class ScanLogFilterForm(FlaskForm):
    class Meta:
        csrf = False

    checkpoint = SelectField(_l("Checkpoint"), validators=[Optional()])
    result = SelectField(
        _l("Result"),
        choices=[
            SelectChoice("", _l("Any")),
            SelectChoice("admitted", _l("Admitted")),
            SelectChoice("admitted_again", _l("Admitted again")),
            SelectChoice("denied", _l("Denied")),
        ],
        validators=[Optional()],
    )
    since = DateTimeLocalField(_l("From (local time)"), validators=[Optional()])
    until = DateTimeLocalField(_l("Until (local time)"), validators=[Optional()])
