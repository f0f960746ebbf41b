"""Accreditation forms: input shape and messages; the rules live in services."""

from __future__ import annotations

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
        "Category you are registering in",
        coerce=_optional_int,
        validators=[InputRequired(message="Please choose a category.")],
    )
    full_name = StringField(
        "Full name (as on your identity document)", validators=[DataRequired(), Length(max=200)]
    )
    organisation = StringField("Organisation", validators=[DataRequired(), Length(max=200)])
    organisation_type = SelectField(
        "Type of organisation",
        choices=[SelectChoice(v, label) for v, label in [("", "Choose…"), *ORGANISATION_TYPES]],
        validators=[DataRequired(message="Please choose the type of your organisation.")],
    )
    country = SelectField(
        "Country",
        validate_choice=False,
        validators=[DataRequired(message="Please choose your country.")],
    )
    position = StringField("Position / job title", validators=[DataRequired(), Length(max=200)])
    nominating_authority = StringField(
        "Nominating authority", validators=[Optional(), Length(max=200)]
    )
    nominator_email = StringField(
        "E-mail of your contact at the nominating authority",
        validators=[
            Optional(),
            Email(message="Please give a valid e-mail address."),
            Length(max=254),
        ],  # fmt: skip
    )
    dietary_needs = TextAreaField("Dietary needs (optional)", validators=[Length(max=1000)])
    accessibility_needs = TextAreaField(
        "Accessibility needs (optional)", validators=[Length(max=1000)]
    )
    special_data_consent = BooleanField(
        "I consent to the processing of my dietary and accessibility needs, which may reveal "
        "health information, for catering and access arrangements at this edition only."
    )
    privacy_consent = BooleanField(
        "I have read the privacy notice and agree to the processing of my registration data.",
        validators=[DataRequired(message="Please confirm that you have read the privacy notice.")],
    )
    submit = SubmitField("Register")

    def set_choices(self, categories) -> None:
        # Nothing chosen until the person chooses: no category is silently preselected.
        self.requested_category.choices = [SelectChoice("", "Choose…")] + [
            SelectChoice(c.id, c.name + (" (nomination)" if c.requires_nomination else ""))
            for c in categories
        ]
        self.country.choices = [SelectChoice("", "Choose…")] + [
            SelectChoice(code, label, optgroup=group)
            for group, items in countries.choices()
            for code, label in items
        ]


class CategoryForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    code = StringField(
        "Short code (printed on badges)", validators=[DataRequired(), Length(max=20)]
    )
    colour = StringField("Colour (#rrggbb)", default="#1f4e79", validators=[Length(max=7)])
    description = TextAreaField("Description", validators=[Length(max=2000)])
    requires_nomination = BooleanField("A nominating authority must endorse registrations")
    quota = IntegerField(
        "Quota (leave empty for no limit)",
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
    )
    position = IntegerField(
        "Position in lists", default=0, validators=[Optional(), NumberRange(-10000, 10000)]
    )
    is_speaker_category = BooleanField("Speakers are offered this category")
    is_staff_category = BooleanField("This is the staff category")
    submit = SubmitField("Save category")


class DecisionForm(FlaskForm):
    action = SelectField(
        "Decision",
        choices=[
            SelectChoice("accredit", "Accredit"),
            SelectChoice("waitlist", "Put on the waiting list"),
            SelectChoice("reject", "Reject"),
            SelectChoice("revoke", "Revoke the accreditation"),
        ],
    )
    category = SelectField("Accredit as category", coerce=int, validate_choice=False)

    def set_categories(self, categories) -> None:
        self.category.choices = [SelectChoice(c.id, f"{c.name} ({c.code})") for c in categories]

    reason = TextAreaField(
        "Reason or note (sent to the attendee; required to reject or revoke, and to accredit "
        "without the nominating authority's endorsement)",
        validators=[Length(max=2000)],
    )
    submit = SubmitField("Record decision")


class NominationForm(FlaskForm):
    note = TextAreaField("Note to the organisers (optional)", validators=[Length(max=2000)])


class CancelForm(FlaskForm):
    confirm = BooleanField(
        "Yes, cancel my registration. I understand this cannot be undone.",
        validators=[DataRequired(message="Please tick the box to confirm.")],
    )
    submit = SubmitField("Cancel my registration")


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=1000)])
    confirm = BooleanField(
        "I understand that my account and personal data will be erased and this cannot be undone.",
        validators=[DataRequired(message="Please tick the box to confirm.")],
    )
    submit = SubmitField("Delete my account")
