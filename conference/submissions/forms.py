"""Forms of the call: input shape and messages only (the services decide what is allowed)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from conference.submissions import services
from conference.text import ngettext


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # never a valid id: the service answers "no such …"


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CallForm(FlaskForm):
    opens_at = DateTimeLocalField(
        _l("Call opens"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    closes_at = DateTimeLocalField(
        _l("Call closes (deadline)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    guidance = TextAreaField(
        _l("Guidance for speakers (Markdown)"),
        validators=[Length(max=services.GUIDANCE_MAX)],
        render_kw={"rows": 10},
    )
    open_tracks = MultiCheckboxField(_l("Tracks open for submissions"), coerce=int)
    save = SubmitField(_l("Save the call"))


class SubmissionTypeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    code = StringField(
        _l("Code (lower-case letters, digits, - or _)"), validators=[DataRequired(), Length(max=30)]
    )
    max_words = IntegerField(
        _l("Abstract word limit"),
        validators=[InputRequired(), NumberRange(min=1, max=services.MAX_WORDS_LIMIT)],
    )
    duration_minutes = IntegerField(
        _l("Duration (minutes)"),
        validators=[InputRequired(), NumberRange(min=0, max=services.DURATION_LIMIT)],
    )
    description = TextAreaField(
        _l("Description"), validators=[Length(max=2000)], render_kw={"rows": 2}
    )
    save = SubmitField(_l("Save type"))


class SubmissionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=services.TITLE_MAX)])
    type_id = SelectField(_l("Type"), coerce=_optional_int, validate_choice=False)
    track_id = SelectField(_l("Track"), coerce=_optional_int, validate_choice=False)
    abstract = TextAreaField(
        _l("Abstract"),
        validators=[Length(max=services.ABSTRACT_MAX_CHARS)],
        render_kw={"rows": 14, "data-word-counter": "abstract-count"},
    )
    keywords = StringField(
        _l("Keywords (separated by commas)"), validators=[Length(max=services.KEYWORDS_MAX)]
    )
    audience = StringField(_l("Intended audience"), validators=[Length(max=services.AUDIENCE_MAX)])
    save = SubmitField(_l("Save as draft"))
    submit = SubmitField(_l("Submit"))

    def set_choices(self, types, tracks) -> None:
        self.type_id.choices = [("", _("— choose a type —"))] + [
            (
                t.id,
                ngettext(
                    "%(name)s (at most %(num)d word, %(minutes)s min)",
                    "%(name)s (at most %(num)d words, %(minutes)s min)",
                    t.max_words,
                    name=t.name,
                    minutes=t.duration_minutes,
                ),
            )
            for t in types
        ]
        self.track_id.choices = [("", _("— choose a track —"))] + [(t.id, t.name) for t in tracks]

    def to_input(self) -> services.SubmissionInput:
        return services.SubmissionInput(
            title=self.title.data or "",
            type_id=self.type_id.data,
            track_id=self.track_id.data,
            abstract=self.abstract.data or "",
            keywords=self.keywords.data or "",
            audience=self.audience.data or "",
        )


class WithdrawForm(FlaskForm):
    """The confirmation step of a withdrawal: without the box ticked nothing changes."""

    confirm = BooleanField(_l("Yes, withdraw this submission. I understand that this is final."))


class CoSpeakerForm(FlaskForm):
    email = EmailField(
        _l("Co-speaker's e-mail address"), validators=[DataRequired(), Length(max=254)]
    )
    name = StringField(_l("Co-speaker's name"), validators=[Length(max=200)])
    invite = SubmitField(_l("Send invitation"))


class DeclineInvitationForm(FlaskForm):
    block = BooleanField(_l("Do not invite me to this submission again"))
    decline = SubmitField(_l("Decline the invitation"))
