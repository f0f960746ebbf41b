"""Review forms: input shape and messages only; the rules live in ``services``."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from conference.review.services import MAX_COMMENT, RECOMMENDATION_LABELS
from conference.submissions.models import Decision

SCORE_CHOICES = [
    SelectChoice("1", "1 – poor"),
    SelectChoice("2", "2"),
    SelectChoice("3", "3"),
    SelectChoice("4", "4"),
    SelectChoice("5", "5 – excellent"),
]


class CheckboxListField(SelectMultipleField):
    """Several checkboxes, each with its own label."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ExpertiseForm(FlaskForm):
    tracks = CheckboxListField("Tracks you can review", coerce=int, validate_choice=False)
    submit = SubmitField("Save expertise")


class ConflictForm(FlaskForm):
    reason = StringField(
        "Reason (optional, seen by the chairs)", validators=[Optional(), Length(max=400)]
    )
    submit = SubmitField("Declare a conflict")


class ReviewForm(FlaskForm):
    relevance = RadioField("Relevance", choices=SCORE_CHOICES, validate_choice=False)
    quality = RadioField("Quality", choices=SCORE_CHOICES, validate_choice=False)
    originality = RadioField("Originality", choices=SCORE_CHOICES, validate_choice=False)
    recommendation = RadioField(
        "Overall recommendation",
        choices=[SelectChoice(k.value, v) for k, v in RECOMMENDATION_LABELS.items()],
        validate_choice=False,
    )
    comments_to_authors = TextAreaField(
        "Comments to the authors",
        validators=[Optional(), Length(max=MAX_COMMENT)],
        description="Sent to the speakers with the decision (without your name).",
    )
    confidential_comments = TextAreaField(
        "Confidential comments to the committee",
        validators=[Optional(), Length(max=MAX_COMMENT)],
        description="Seen only by the chairs and by the other reviewers of this submission.",
    )
    save = SubmitField("Save draft")
    submit_review = SubmitField("Submit review")


class AutoAssignForm(FlaskForm):
    reviewers_per_submission = IntegerField(
        "Reviewers per submission",
        validators=[DataRequired(), NumberRange(min=1, max=20)],
    )
    submit = SubmitField("Preview the proposal")


class ManualAssignForm(FlaskForm):
    reviewer_id = SelectField("Reviewer", coerce=int, validators=[DataRequired()])
    submit = SubmitField("Assign")


DECISION_CHOICES = [
    SelectChoice(Decision.ACCEPTED.value, "Accept"),
    SelectChoice(Decision.REJECTED.value, "Reject"),
    SelectChoice(Decision.WAITLISTED.value, "Waitlist"),
    SelectChoice(Decision.PENDING.value, "Back to pending"),
]


class DecisionForm(FlaskForm):
    decision = SelectField("Decision", choices=DECISION_CHOICES)
    submit = SubmitField("Record decision")


class MailTemplateForm(FlaskForm):
    subject = StringField("Subject", validators=[DataRequired(), Length(max=200)])
    body = TextAreaField("Body", validators=[DataRequired(), Length(max=20_000)])
    submit = SubmitField("Save template")


class PlacementForm(FlaskForm):
    day = DateField("Day", validators=[DataRequired()])
    start = TimeField("Start time", validators=[DataRequired()])
    duration_minutes = IntegerField(
        "Duration (minutes)", validators=[DataRequired(), NumberRange(min=5, max=1440)]
    )
    room_id = SelectField("Room", coerce=int)
    type_id = SelectField("Session type", coerce=int)
    allow_clashes = BooleanField("Place despite the clashes listed above")
    check = SubmitField("Check for clashes")
    submit = SubmitField("Create the programme session")


class ConflictOverrideForm(FlaskForm):
    reason = StringField(
        "Why this automatic conflict does not apply",
        validators=[DataRequired("Give the reason for the override."), Length(max=400)],
    )


class ConflictRulesForm(FlaskForm):
    conflict_free_domains = TextAreaField(
        "Shared e-mail domains that create no conflict",
        validators=[Length(max=4000)],
        description="One domain per line (or separated by commas), e.g. ec.europa.eu. People "
        "at a large institution share its domain without a conflict of interest.",
    )
    withdrawn_talks = RadioField(
        "When a speaker withdraws a talk that is in the programme",
        choices=[
            SelectChoice("cancel", "Keep the session, marked cancelled (feeds show it cancelled)"),
            SelectChoice("remove", "Take the session out of the programme and the feeds"),
        ],
        validators=[DataRequired()],
    )
