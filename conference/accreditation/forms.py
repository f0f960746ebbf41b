"""Accreditation forms: input shape and messages; the rules live in services."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from conference import countries
from conference.accreditation.services import ORGANISATION_TYPES


def _optional_int(value):
    """A select's value as an int; the empty "Choose…" option is None."""
    if value in ("", None):
        return None
    return int(value)


class RegistrationForm(FlaskForm):
    requested_category = SelectField(
        _l("Category you are registering in"),
        coerce=_optional_int,
        validators=[InputRequired(message=_l("Please choose a category."))],
    )
    full_name = StringField(
        _l("Full name (as on your identity document)"), validators=[DataRequired(), Length(max=200)]
    )
    organisation = StringField(_l("Organisation"), validators=[DataRequired(), Length(max=200)])
    organisation_type = SelectField(
        _l("Type of organisation"),
        choices=[SelectChoice(v, label) for v, label in [("", _l("Choose…")), *ORGANISATION_TYPES]],
        validators=[DataRequired(message=_l("Please choose the type of your organisation."))],
    )
    country = SelectField(
        _l("Country"),
        validate_choice=False,
        validators=[DataRequired(message=_l("Please choose your country."))],
    )
    position = StringField(_l("Position / job title"), validators=[DataRequired(), Length(max=200)])
    nominating_authority = StringField(
        _l("Nominating authority"), validators=[Optional(), Length(max=200)]
    )
    nominator_email = StringField(
        _l("E-mail of your contact at the nominating authority"),
        validators=[
            Optional(),
            Email(message=_l("Please give a valid e-mail address.")),
            Length(max=254),
        ],  # fmt: skip
    )
    dietary_needs = TextAreaField(_l("Dietary needs (optional)"), validators=[Length(max=1000)])
    accessibility_needs = TextAreaField(
        _l("Accessibility needs (optional)"), validators=[Length(max=1000)]
    )
    special_data_consent = BooleanField(
        _l(
            "I consent to the processing of my dietary and accessibility needs, which may reveal "
            "health information, for catering and access arrangements at this edition only."
        )
    )
    privacy_consent = BooleanField(
        _l("I have read the privacy notice and agree to the processing of my registration data."),
        validators=[
            DataRequired(message=_l("Please confirm that you have read the privacy notice."))
        ],
    )
    submit = SubmitField(_l("Register"))

    def set_choices(self, categories) -> None:
        # Nothing chosen until the person chooses: no category is silently preselected.
        self.requested_category.choices = [SelectChoice("", _("Choose…"))] + [
            SelectChoice(
                c.id,
                _("%(name)s (nomination)", name=c.name) if c.requires_nomination else c.name,
            )
            for c in categories
        ]
        self.country.choices = [SelectChoice("", _("Choose…"))] + [
            SelectChoice(code, label, optgroup=group)
            for group, items in countries.choices()
            for code, label in items
        ]


class CategoryForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    code = StringField(
        _l("Short code (printed on badges)"), validators=[DataRequired(), Length(max=20)]
    )
    colour = StringField(_l("Colour (#rrggbb)"), default="#1f4e79", validators=[Length(max=7)])
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    requires_nomination = BooleanField(_l("A nominating authority must endorse registrations"))
    quota = IntegerField(
        _l("Quota (leave empty for no limit)"),
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
    )
    position = IntegerField(
        _l("Position in lists"), default=0, validators=[Optional(), NumberRange(-10000, 10000)]
    )
    is_speaker_category = BooleanField(_l("Speakers are offered this category"))
    is_staff_category = BooleanField(_l("This is the staff category"))
    submit = SubmitField(_l("Save category"))


class DecisionForm(FlaskForm):
    action = SelectField(
        _l("Decision"),
        choices=[
            SelectChoice("accredit", _l("Accredit")),
            SelectChoice("waitlist", _l("Put on the waiting list")),
            SelectChoice("reject", _l("Reject")),
            SelectChoice("revoke", _l("Revoke the accreditation")),
        ],
    )
    category = SelectField(_l("Accredit as category"), coerce=int, validate_choice=False)

    def set_categories(self, categories) -> None:
        self.category.choices = [SelectChoice(c.id, f"{c.name} ({c.code})") for c in categories]

    reason = TextAreaField(
        _l(
            "Reason or note (sent to the attendee; required to reject or revoke, and to "
            "accredit without the nominating authority's endorsement)"
        ),
        validators=[Length(max=2000)],
    )
    submit = SubmitField(_l("Record decision"))


class NominationForm(FlaskForm):
    note = TextAreaField(_l("Note to the organisers (optional)"), validators=[Length(max=2000)])


class CancelForm(FlaskForm):
    confirm = BooleanField(
        _l("Yes, cancel my registration. I understand this cannot be undone."),
        validators=[DataRequired(message=_l("Please tick the box to confirm."))],
    )
    submit = SubmitField(_l("Cancel my registration"))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=1000)])
    confirm = BooleanField(
        _l(
            "I understand that my account and personal data will be erased and this cannot be "
            "undone."
        ),
        validators=[DataRequired(message=_l("Please tick the box to confirm."))],
    )
    submit = SubmitField(_l("Delete my account"))
