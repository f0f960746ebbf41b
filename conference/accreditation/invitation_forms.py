"""Forms of the invitations and the waiting list: input shape only; the rules live in
``services.invitations`` and ``services.waitlist``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from conference.accreditation.services import WAITLIST_MODES


def _optional_int(value):
    if value in ("", None):
        return None
    return int(value)


class InvitationForm(FlaskForm):
    addresses = TextAreaField(_l("E-mail addresses"), validators=[Optional(), Length(max=100_000)])
    csv_file = FileField(_l("…or a CSV file of addresses and names"))
    category = SelectField(
        _l("Category"),
        coerce=_optional_int,
        validators=[InputRequired(message=_l("Please choose a category."))],
    )
    note = TextAreaField(_l("Personal note (optional)"), validators=[Length(max=2000)])
    expires_on = DateField(
        _l("Valid until (inclusive)"),
        validators=[InputRequired(message=_l("Please give the date the invitation expires."))],
    )
    decision = RadioField(
        _l("Registration"),
        choices=[
            SelectChoice("accredit", _l("Accredited at once")),
            SelectChoice("moderate", _l("Reviewed by the organisers like any registration")),
        ],
        default="accredit",
        validators=[InputRequired(message=_l("Please choose."))],
    )
    quota = RadioField(
        _l("Quota"),
        choices=[
            SelectChoice("on_use", _l("Counts against the category's quota only when used")),
            SelectChoice(
                "reserve", _l("Reserves a place of the quota until used, revoked or expired")
            ),
        ],
        default="on_use",
        validators=[InputRequired(message=_l("Please choose."))],
    )
    submit = SubmitField(_l("Send the invitations"))

    def set_categories(self, categories) -> None:
        self.category.choices = [SelectChoice("", _l("Choose…"))] + [
            SelectChoice(c.id, f"{c.name} ({c.code})") for c in categories
        ]


class WaitlistSettingsForm(FlaskForm):
    mode = RadioField(
        _l("When a place becomes free"),
        choices=[SelectChoice(key, label) for key, label in WAITLIST_MODES.items()],
        validators=[InputRequired(message=_l("Please choose."))],
    )
    offer_days = IntegerField(
        _l("Days to take an offered place"),
        validators=[
            InputRequired(message=_l("Please give a number of days.")),
            NumberRange(min=1, max=60, message=_l("Between 1 and 60 days.")),
        ],
    )
    submit = SubmitField(_l("Save"))


class AcceptPlaceForm(FlaskForm):
    submit = SubmitField(_l("Take the place"))
