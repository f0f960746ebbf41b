"""Forms of the custom registration questions: the organisers' question form, and the
registration form grown by one field per question (shape only; ``services.questions`` checks
the answers, since what is required depends on the category and on the other answers)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from conference import countries
from conference.accreditation.question_models import QuestionKind as K
from conference.accreditation.services import questions as question_services


class QuestionForm(FlaskForm):
    label = StringField(_l("Question"), validators=[DataRequired(), Length(max=300)])
    key = StringField(
        _l("Key"),
        validators=[DataRequired(), Length(max=40)],
        description=_l(
            "The name of the answer in exports and the API: lower-case letters, digits and _, "
            "e.g. clearance_level."
        ),
    )
    kind = SelectField(_l("Kind of answer"), validate_choice=False)
    help_text = TextAreaField(_l("Help text (optional)"), validators=[Length(max=2000)])
    choices = TextAreaField(
        _l("Choices, one per line (single and multiple choice only)"),
        validators=[Length(max=12000)],
    )
    required = BooleanField(_l("An answer is required"))
    category_ids = SelectMultipleField(
        _l("Asked in the categories"), coerce=int, validate_choice=False
    )
    condition_question_id = SelectField(
        _l("Only ask when this question is answered"), validate_choice=False
    )
    condition_value = StringField(
        _l("…with this answer (empty: any answer)"),
        validators=[Length(max=300)],
        description=_l("For a yes/no question write yes or no; for a choice, the choice."),
    )
    position = IntegerField(
        _l("Position on the form"), default=0, validators=[Optional(), NumberRange(-10000, 10000)]
    )
    sensitive = BooleanField(
        _l(
            "Sensitive: left out of CSV exports unless asked for, erased first by the "
            "retention purge"
        )
    )
    submit = SubmitField(_l("Save question"))

    def set_choices(self, categories, others) -> None:
        self.kind.choices = [SelectChoice(k.value, label) for k, label in
                             question_services.KIND_LABELS.items()]  # fmt: skip
        self.category_ids.choices = [SelectChoice(c.id, f"{c.name} ({c.code})") for c in categories]
        self.condition_question_id.choices = [SelectChoice("", _("Always ask"))] + [
            SelectChoice(str(q.id), q.label) for q in others if q.kind != K.FILE
        ]

    def values(self) -> question_services.QuestionInput:
        return question_services.QuestionInput(
            key=self.key.data or "",
            kind=self.kind.data or "",
            label=self.label.data or "",
            help_text=self.help_text.data or "",
            required=bool(self.required.data),
            choices=self.choices.data or "",
            category_ids=list(self.category_ids.data or []),
            position=self.position.data or 0,
            condition_question_id=_int_or_none(self.condition_question_id.data),
            condition_value=self.condition_value.data or "",
            sensitive=bool(self.sensitive.data),
        )


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return -1  # names no question: the service says so


def _field_for(question):
    label = question.label
    kind = question.kind
    if kind == K.LONG_TEXT:
        return TextAreaField(label)
    if kind == K.SINGLE_CHOICE:
        return RadioField(
            label, choices=[SelectChoice(c, c) for c in question.choices], validate_choice=False
        )
    if kind == K.MULTIPLE_CHOICE:
        return SelectMultipleField(
            label, choices=[SelectChoice(c, c) for c in question.choices], validate_choice=False
        )
    if kind == K.YES_NO:
        return RadioField(
            label,
            choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
            validate_choice=False,
        )
    if kind == K.COUNTRY:
        return SelectField(label, validate_choice=False)
    if kind == K.FILE:
        return FileField(label)
    return StringField(label)


def with_questions(form_class, edition_questions):
    """A subclass of ``form_class`` with a field ``q_<id>`` per question."""
    grown = type(f"{form_class.__name__}WithQuestions", (form_class,), {})
    for question in edition_questions:
        setattr(grown, question_services.field_name(question), _field_for(question))
    return grown


def prepare_question_fields(form, edition_questions) -> list:
    """The (question, field) pairs to render, with the country lists filled in."""
    pairs = []
    for question in edition_questions:
        bound = form[question_services.field_name(question)]
        if question.kind == K.COUNTRY:
            bound.choices = [SelectChoice("", _("Choose…"))] + [
                SelectChoice(code, label, optgroup=group)
                for group, items in countries.choices()
                for code, label in items
            ]
        pairs.append((question, bound))
    return pairs


def raw_answers(form, edition_questions) -> dict[int, object]:
    """What the form sent for each question (question id → field data)."""
    return {q.id: form[question_services.field_name(q)].data for q in edition_questions}
