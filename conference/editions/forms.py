"""Edition forms: creating an edition, its settings, roles and the audit-log filter.

Date-times are entered as ``datetime-local`` values in the edition's time zone; the view
converts them to UTC with ``services.local_to_utc``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from conference import tlp
from conference.accounts.models import Role
from conference.accounts.services import role_label
from conference.editions.models import EditionState
from conference.editions.services import STATE_LABELS, valid_timezone
from conference.i18n import known_language

STATE_CHOICES = [SelectChoice(s.value, STATE_LABELS[s]) for s in EditionState]
# FIRST TLP 2.0's short definitions (the same words as templates/macros/tlp.html), for the
# label selects of the edition settings and the programme forms.
TLP_DEFINITIONS = {
    tlp.TLP.CLEAR: _l("may be shared freely, without restriction"),
    tlp.TLP.GREEN: _l(
        "limited disclosure within the community: may be shared with peers and partner "
        "organisations, not published"
    ),
    tlp.TLP.AMBER: _l(
        "limited disclosure: recipients may share it within their organisation and with its "
        "clients, on a need-to-know basis"
    ),
    tlp.TLP.AMBER_STRICT: _l(
        "limited disclosure: recipients may share it only within their own organisation, on a "
        "need-to-know basis"
    ),
    tlp.TLP.RED: _l("for the eyes and ears of individual recipients only, no further disclosure"),
}
TLP_CHOICES = [
    SelectChoice(
        label.value,
        _l("TLP:%(label)s — %(definition)s", label=label.value, definition=TLP_DEFINITIONS[label]),
    )
    for label in tlp.ORDER
]
LOCAL_FORMAT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
DATETIME_FIELDS = (
    "registration_opens_at",
    "registration_closes_at",
    "cfp_opens_at",
    "cfp_closes_at",
    "review_deadline",
)


def _timezone(form, field):
    if not valid_timezone((field.data or "").strip()):
        raise ValidationError(_l("Please give a valid IANA time zone, e.g. Europe/Brussels."))


def _local(label: str) -> DateTimeLocalField:
    return DateTimeLocalField(label, format=LOCAL_FORMAT, validators=[Optional()])


class EditionBasicsForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    acronym = StringField(_l("Short name"), validators=[Optional(), Length(max=40)])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=400)])
    timezone = StringField(
        _l("Time zone"),
        validators=[DataRequired(), Length(max=64), _timezone],
        default="Europe/Brussels",
        description=_l("An IANA name such as Europe/Brussels; all times below are in this zone."),
    )
    start_date = DateField(_l("First day"), validators=[DataRequired()])
    end_date = DateField(_l("Last day"), validators=[DataRequired()])
    state = SelectField(_l("State"), choices=STATE_CHOICES, default=EditionState.DRAFT.value)

    def validate_end_date(self, field):
        if self.start_date.data and field.data and field.data < self.start_date.data:
            raise ValidationError(_l("The last day must not be before the first day."))


class NewEditionForm(EditionBasicsForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(2000, 2200)])


def _languages(form, field):
    codes = [c.strip() for c in (field.data or "").split(",") if c.strip()]
    unknown = [c for c in codes if not known_language(c)]
    if not codes or unknown:
        if unknown:
            raise ValidationError(
                _l(
                    "Please give language codes separated by commas, e.g. en,fr,de "
                    "(%(codes)s is not one).",
                    codes=", ".join(unknown),
                )
            )
        raise ValidationError(_l("Please give language codes separated by commas, e.g. en,fr,de."))


class EditionSettingsForm(EditionBasicsForm):
    languages = StringField(
        _l("Languages"),
        validators=[DataRequired(), Length(max=200), _languages],
        default="en,fr,de",
        description=_l(
            "Codes separated by commas (en,fr,de); the first is the language the texts are "
            "entered in, the others may get translations and are offered on the pages."
        ),
    )
    capacity = IntegerField(
        _l("Capacity (accredited attendees)"),
        validators=[Optional(), NumberRange(0, 1_000_000)],
        description=_l("Leave empty for no limit."),
    )
    registration_opens_at = _local(_l("Registration opens"))
    registration_closes_at = _local(_l("Registration closes"))
    cfp_opens_at = _local(_l("Call for abstracts opens"))
    cfp_closes_at = _local(_l("Call for abstracts closes"))
    review_deadline = _local(_l("Review deadline"))
    badge_footer = StringField(_l("Badge footer"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=10000)],
        description=_l(
            "Shown on the edition's page: what the conference is about and who it is for. "
            "Markdown: **bold**, *italic*, [links](https://…), lists; no HTML."
        ),
    )
    badge_show_country = BooleanField(_l("Show the country on badges"))
    badge_show_organisation = BooleanField(_l("Show the organisation on badges"))
    tlp_default = SelectField(
        _l("TLP label of new sessions"),
        choices=TLP_CHOICES,
        default=tlp.TLP.CLEAR.value,
        description=_l(
            "The Traffic Light Protocol label a new session starts with; organisers can change "
            "it per session. Existing sessions keep theirs."
        ),
    )


def _role_choices() -> list[SelectChoice]:
    return [SelectChoice(r.value, role_label(r)) for r in Role]


class EditionRoleForm(FlaskForm):
    email = StringField(
        _l("E-mail address of the account"), validators=[DataRequired(), Length(max=254)]
    )
    role = SelectField(_l("Role"), choices=_role_choices)


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validators=[Optional()])
    actor = StringField(_l("Actor (e-mail contains)"), validators=[Optional(), Length(max=254)])


class MailFilterForm(FlaskForm):
    """Search and filters of the mail log (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Recipient or subject contains"), validators=[Optional(), Length(max=254)])
    state = SelectField(_l("State"), validators=[Optional()])
    template = SelectField(_l("Kind of mail"), validators=[Optional()])
