"""Review forms: input shape and messages only; the rules live in ``services``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Form,
    FormField,
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

from conference.review.services import (
    MAX_COMMENT,
    MAX_DISCUSSION_COMMENT,
    RECOMMENDATION_LABELS,
)
from conference.submissions.models import Decision

SCORE_CHOICES = [
    SelectChoice("1", _l("1 – poor")),
    SelectChoice("2", "2"),
    SelectChoice("3", "3"),
    SelectChoice("4", "4"),
    SelectChoice("5", _l("5 – excellent")),
]


class CheckboxListField(SelectMultipleField):
    """Several checkboxes, each with its own label."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ExpertiseForm(FlaskForm):
    tracks = CheckboxListField(_l("Tracks you can review"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("Save expertise"))


class ConflictForm(FlaskForm):
    reason = StringField(
        _l("Reason (optional, seen by the chairs)"), validators=[Optional(), Length(max=400)]
    )
    submit = SubmitField(_l("Declare a conflict"))


class ReviewForm(FlaskForm):
    relevance = RadioField(_l("Relevance"), choices=SCORE_CHOICES, validate_choice=False)
    quality = RadioField(_l("Quality"), choices=SCORE_CHOICES, validate_choice=False)
    originality = RadioField(_l("Originality"), choices=SCORE_CHOICES, validate_choice=False)
    recommendation = RadioField(
        _l("Overall recommendation"),
        choices=[SelectChoice(k.value, v) for k, v in RECOMMENDATION_LABELS.items()],
        validate_choice=False,
    )
    comments_to_authors = TextAreaField(
        _l("Comments to the authors"),
        validators=[Optional(), Length(max=MAX_COMMENT)],
        description=_l("Sent to the speakers with the decision (without your name)."),
    )
    confidential_comments = TextAreaField(
        _l("Confidential comments to the committee"),
        validators=[Optional(), Length(max=MAX_COMMENT)],
        description=_l("Seen only by the chairs and by the other reviewers of this submission."),
    )
    save = SubmitField(_l("Save draft"))
    submit_review = SubmitField(_l("Submit review"))


class AutoAssignForm(FlaskForm):
    reviewers_per_submission = IntegerField(
        _l("Reviewers per submission"),
        validators=[DataRequired(), NumberRange(min=1, max=20)],
    )
    submit = SubmitField(_l("Preview the proposal"))


class ManualAssignForm(FlaskForm):
    reviewer_id = SelectField(_l("Reviewer"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Assign"))


DECISION_CHOICES = [
    SelectChoice(Decision.ACCEPTED.value, _l("Accept")),
    SelectChoice(Decision.REJECTED.value, _l("Reject")),
    SelectChoice(Decision.WAITLISTED.value, _l("Waitlist")),
    SelectChoice(Decision.PENDING.value, _l("Back to pending")),
]


class DecisionForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=DECISION_CHOICES)
    submit = SubmitField(_l("Record decision"))


class MailTemplateForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Body"), validators=[DataRequired(), Length(max=20_000)])
    submit = SubmitField(_l("Save template"))


class PlacementForm(FlaskForm):
    day = DateField(_l("Day"), validators=[DataRequired()])
    start = TimeField(_l("Start time"), validators=[DataRequired()])
    duration_minutes = IntegerField(
        _l("Duration (minutes)"), validators=[DataRequired(), NumberRange(min=5, max=1440)]
    )
    room_id = SelectField(_l("Room"), coerce=int)
    type_id = SelectField(_l("Session type"), coerce=int)
    allow_clashes = BooleanField(_l("Place despite the clashes listed above"))
    check = SubmitField(_l("Check for clashes"))
    submit = SubmitField(_l("Create the programme session"))


class JoinSessionForm(FlaskForm):
    """An accepted talk added to an existing session's running order."""

    session_id = SelectField(_l("Session"), coerce=int)
    talk_minutes = IntegerField(
        _l("Length of the talk (minutes)"),
        validators=[DataRequired(), NumberRange(min=1, max=1440)],
    )
    join_allow_clashes = BooleanField(_l("Add despite the clashes"))


class ConflictOverrideForm(FlaskForm):
    reason = StringField(
        _l("Why this automatic conflict does not apply"),
        validators=[DataRequired(_l("Give the reason for the override.")), Length(max=400)],
    )


class ConflictRulesForm(FlaskForm):
    conflict_free_domains = TextAreaField(
        _l("Shared e-mail domains that create no conflict"),
        validators=[Length(max=4000)],
        description=_l(
            "One domain per line (or separated by commas), e.g. ec.europa.eu. People "
            "at a large institution share its domain without a conflict of interest."
        ),
    )
    withdrawn_talks = RadioField(
        _l("When a speaker withdraws a talk that is in the programme"),
        choices=[
            SelectChoice(
                "cancel", _l("Keep the session, marked cancelled (feeds show it cancelled)")
            ),
            SelectChoice("remove", _l("Take the session out of the programme and the feeds")),
        ],
        validators=[DataRequired()],
    )


class PhaseForm(FlaskForm):
    phase = RadioField(_l("Review phase"), validators=[DataRequired()])
    reviewer_names_visible = BooleanField(
        _l("Reviewers of a submission see each other's names"),
        description=_l(
            "Otherwise they are “Reviewer 1, 2…” to each other, in their reviews and in the "
            "discussion. Chairs always see the names; the speakers never see the discussion."
        ),
    )
    submit = SubmitField(_l("Save the review phase"))


class CriterionForm(Form):
    """One criterion's description and what each score means (a subform, no CSRF)."""

    description = StringField(_l("Description"), validators=[Optional(), Length(max=500)])
    descriptor_1 = StringField(
        _l("What a 1 means"), validators=[DataRequired(_l("Say what a 1 means.")), Length(max=300)]
    )
    descriptor_2 = StringField(_l("What a 2 means"), validators=[Optional(), Length(max=300)])
    descriptor_3 = StringField(_l("What a 3 means"), validators=[Optional(), Length(max=300)])
    descriptor_4 = StringField(_l("What a 4 means"), validators=[Optional(), Length(max=300)])
    descriptor_5 = StringField(
        _l("What a 5 means"), validators=[DataRequired(_l("Say what a 5 means.")), Length(max=300)]
    )


class CriteriaForm(FlaskForm):
    relevance = FormField(CriterionForm, label=_l("Relevance"))
    quality = FormField(CriterionForm, label=_l("Quality"))
    originality = FormField(CriterionForm, label=_l("Originality"))
    submit = SubmitField(_l("Save the criteria"))


class DiscussionForm(FlaskForm):
    body = TextAreaField(
        _l("Your comment"),
        validators=[DataRequired(_l("Write a comment first.")), Length(max=MAX_DISCUSSION_COMMENT)],
        description=_l(
            "Seen by the other reviewers of this submission and the chairs, never by the "
            "speakers. They are notified by e-mail."
        ),
    )
    submit = SubmitField(_l("Post the comment"))


class ReminderForm(FlaskForm):
    """A one-click reminder: the CSRF token only."""
