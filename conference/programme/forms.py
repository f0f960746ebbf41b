"""Programme forms: input shape and messages only; the rules live in ``services``.

Start and end are entered as ``datetime-local`` values in the edition's time zone; the view
turns them into UTC.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from conference import tlp
from conference.editions.forms import TLP_CHOICES
from conference.programme.models import AccessPolicy, SessionState

LOCAL_FORMAT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def _optional_id(value):
    """Select values: "" means none; anything that is not a number can never match an id."""
    if value in (None, "", "None"):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1
    return number if 0 < number < 2**31 else -1


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        """Unknown ids are reported by the service with a clear message."""


class ContributionLabelField(SelectField):
    """A contribution's TLP label: any of the five (or "" for the session's) passes the form;
    the page offers only those at least as strict as the session's, and the service refuses
    a less strict one with a message that says why (``services.contributions.check_label``)."""

    def process_data(self, value):
        self.data = value or ""  # None (the session's label) is the empty choice

    def pre_validate(self, form):
        if self.data not in ("", *tlp.VALUES):
            raise ValidationError(
                _l("Choose one of the TLP labels: CLEAR, GREEN, AMBER, AMBER+STRICT, RED.")
            )


class RoomForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    capacity = IntegerField(
        _l("Capacity (seats)"),
        validators=[Optional(), NumberRange(min=0, max=100000)],
        description=_l("Leave empty when the room has no fixed limit."),
    )
    directions = StringField(
        _l("Floor and directions"),
        validators=[Optional(), Length(max=400)],
        description=_l("For example: “Level −1, follow the blue signs from the main entrance”."),
    )
    position = IntegerField(
        _l("Order in the timetable"),
        validators=[Optional(), NumberRange(min=0, max=1000)],
        default=0,
        description=_l("Rooms are shown from left to right by this number."),
    )
    opens_at = TimeField(
        _l("Opening time"),
        validators=[Optional()],
        description=_l(
            "Local time the room opens each day, for example 08:00. Leave both times empty "
            "when the room has no opening hours."
        ),
    )
    closes_at = TimeField(
        _l("Closing time"),
        validators=[Optional()],
        description=_l("Local time the room closes each day, for example 19:00."),
    )

    def validate(self, extra_validators=None) -> bool:
        """The hours: both or neither, closing after opening (shown on "Closing time")."""
        if not super().validate(extra_validators):
            return False
        opens, closes = self.opens_at.data, self.closes_at.data
        if (opens is None) != (closes is None):
            self.closes_at.errors.append(
                _l("Give both the opening and the closing time, or leave both empty for no limit.")
            )
            return False
        if opens is not None and closes <= opens:
            self.closes_at.errors.append(_l("The room must close after it opens."))
            return False
        return True


class TrackForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    colour = StringField(
        _l("Colour"),
        validators=[
            DataRequired(),
            Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Give a colour like #005a9c.")),
        ],
        default="#005a9c",
        description=_l("A dark colour keeps the text readable."),
    )
    position = IntegerField(
        _l("Order"), validators=[Optional(), NumberRange(min=0, max=1000)], default=0
    )


class SessionTypeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=30)],
        description=_l("A short identifier such as plenary, panel, workshop, closed-door, break."),
    )
    is_break = BooleanField(_l("A break (coffee, lunch…), shown across the rooms"))


STATE_CHOICES = [
    SelectChoice(SessionState.SCHEDULED.value, _l("Scheduled")),
    SelectChoice(SessionState.CANCELLED.value, _l("Cancelled")),
]
ACCESS_CHOICES = [
    SelectChoice(AccessPolicy.OPEN.value, _l("Open to every accredited attendee")),
    SelectChoice(
        AccessPolicy.CATEGORIES.value, _l("Restricted to the accreditation categories chosen below")
    ),
    SelectChoice(AccessPolicy.INVITATION.value, _l("Restricted to the invitation list below")),
]


class SessionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=20000)],
        description=_l("Markdown: *emphasis*, **bold**, lists and links. HTML is not allowed."),
    )
    type_id = SelectField(_l("Type"), coerce=_optional_id, validators=[Optional()])
    track_id = SelectField(_l("Track"), coerce=_optional_id, validators=[Optional()])
    room_id = SelectField(_l("Room"), coerce=_optional_id, validators=[Optional()])
    starts_at = DateTimeLocalField(_l("Starts"), format=LOCAL_FORMAT, validators=[InputRequired()])
    ends_at = DateTimeLocalField(_l("Ends"), format=LOCAL_FORMAT, validators=[InputRequired()])
    speakers = TextAreaField(
        _l("Speakers"),
        validators=[Optional(), Length(max=20000)],
        description=_l(
            "One a line: the e-mail address of an account (optionally “| Organisation”), "
            "or a guest as “Name | Organisation”."
        ),
    )
    chair_email = StringField(
        _l("Chair (e-mail of an account)"), validators=[Optional(), Length(max=254)]
    )
    capacity = IntegerField(
        _l("Capacity"),
        validators=[Optional(), NumberRange(min=0, max=100000)],
        description=_l("Seats that can be booked; leave empty for no limit."),
    )
    booking_required = BooleanField(_l("Attendees must book a seat"))
    chatham_house = BooleanField(_l("Chatham House rule applies"))
    tlp = SelectField(
        _l("TLP label"),
        choices=TLP_CHOICES,
        default=tlp.TLP.CLEAR.value,
        description=_l(
            "How what is presented may travel afterwards (FIRST TLP 2.0). CLEAR for public "
            "plenaries, GREEN for detail meant for the community, AMBER for operational detail "
            "shared on a need-to-know basis, AMBER+STRICT for one's own organisation only, RED "
            "for closed-door briefings."
        ),
    )
    state = SelectField(_l("State"), choices=STATE_CHOICES, default=SessionState.SCHEDULED.value)
    cancel_reason = TextAreaField(
        _l("Reason for the cancellation"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Required when the state is Cancelled; attendees see it."),
    )
    access = RadioField(
        _l("Who may see the details and attend"),
        choices=ACCESS_CHOICES,
        default=AccessPolicy.OPEN.value,
    )
    category_ids = MultiCheckboxField(_l("Accreditation categories"), coerce=_optional_id)
    invitees = TextAreaField(
        _l("Invitation list"),
        validators=[Optional(), Length(max=50000)],
        description=_l(
            "E-mail addresses of accounts, one a line (organisers and staff always have access)."
        ),
    )


class CancelSessionForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (attendees will see it)"),
        validators=[DataRequired(), Length(max=2000)],
    )


class BookingCancelForm(FlaskForm):
    """Only the CSRF token: cancelling a booking needs nothing else."""


class ContributionForm(FlaskForm):
    """A free item of a session's running order (opening words, Q&A…), or a talk's length."""

    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Give the item a title.")), Length(max=300)]
    )
    duration_minutes = IntegerField(
        _l("Duration (minutes)"),
        validators=[
            InputRequired(_l("Give the duration in minutes.")),
            NumberRange(min=1, max=1440, message=_l("Between 1 and 1440 minutes.")),
        ],
    )
    description = TextAreaField(
        _l("Description (optional)"), validators=[Optional(), Length(max=20000)]
    )
    tlp = ContributionLabelField(
        _l("TLP label"),
        choices=[SelectChoice("", _l("The session’s label"))] + TLP_CHOICES,
        default="",
    )


class ReleaseForm(FlaskForm):
    """Releasing the draft programme: a version name and a note for the public changelog."""

    version = StringField(
        _l("Version name"),
        validators=[DataRequired(_l("Give the version a name.")), Length(max=100)],
        description=_l("Shown in the changelog and in schedule.json / schedule.xml, e.g. “1.2”."),
    )
    public_note = TextAreaField(
        _l("Note for the public (optional)"), validators=[Optional(), Length(max=5000)]
    )


class AvailabilityForm(FlaskForm):
    """The CSRF token of the availability page; its day fields are read by the view, one
    ``mode-<date>`` (all, times, none) with ``from-<date>`` and ``until-<date>`` a day."""
