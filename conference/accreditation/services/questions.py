"""Custom registration questions: the organisers' list, checking and keeping answers, and
reading them back for the pages and the API (the queue's filter, exports, the data download,
the purge and cloning are in ``question_data``).

Rules that matter:
- A question is asked in the categories it names (all when it names none) and, with a
  condition, only when the other question's answer has the value named (any value when none
  is named). The form shows every question (it must work without JavaScript); answers to a
  question that is not asked of this person are dropped, and only asked questions are required.
- An answer keeps a copy of its question's key, label, kind and sensitivity and stores the
  value itself (a choice's text), so that it stays readable when the question changes.
- A file answer must be a PDF, JPEG or PNG by its content (not its name), at most
  ``QUESTION_FILE_MAX_BYTES``; it is kept under ``UPLOAD_DIR`` (outside the web root) under a
  random name, and only organisers download it (``files``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import audit, countries
from conference.accreditation.models import AccreditationCategory, Registration
from conference.accreditation.question_models import (
    QuestionKind,
    RegistrationAnswer,
    RegistrationQuestion,
)
from conference.accreditation.services.question_files import (
    PendingFile,
    check_file,
    remove_file,
    store_file,
)
from conference.errors import DomainError, NotFound
from conference.extensions import db
from conference.query_args import DB_INT_MAX

K = QuestionKind

KIND_LABELS = {
    K.SHORT_TEXT: _l("Short text"),
    K.LONG_TEXT: _l("Long text"),
    K.SINGLE_CHOICE: _l("Single choice"),
    K.MULTIPLE_CHOICE: _l("Multiple choice"),
    K.YES_NO: _l("Yes / no"),
    K.NUMBER: _l("Number"),
    K.DATE: _l("Date"),
    K.COUNTRY: _l("Country"),
    K.EMAIL: _l("E-mail address"),
    K.FILE: _l("File (PDF, JPEG or PNG)"),
}
CHOICE_KINDS = frozenset({K.SINGLE_CHOICE, K.MULTIPLE_CHOICE})
# Kinds another question's condition may name a value of.
CONDITION_VALUE_KINDS = frozenset({K.SINGLE_CHOICE, K.MULTIPLE_CHOICE, K.YES_NO})
MAX_CHOICES = 50
MAX_CHOICE_LENGTH = 200
MAX_ANSWER = {K.SHORT_TEXT: 300, K.LONG_TEXT: 5000, K.EMAIL: 254}
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NUMBER = re.compile(r"^-?\d{1,12}([.,]\d{1,6})?$")


class QuestionError(DomainError):
    """A rule about a question an organiser saves; ``field`` names the form field."""

    def __init__(self, message: str, *, field: str | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.field = field


def field_name(question: RegistrationQuestion) -> str:
    """The name of the question's input on the registration form."""
    return f"q_{question.id}"


# --- the organisers' list -----------------------------------------------------------------


def questions(edition) -> list[RegistrationQuestion]:
    """The edition's questions in the order the form asks them."""
    return list(
        db.session.scalars(
            sa.select(RegistrationQuestion)
            .where(RegistrationQuestion.edition_id == edition.id)
            .order_by(RegistrationQuestion.position, RegistrationQuestion.id)
        )
    )


def get_question(edition, question_id) -> RegistrationQuestion:
    try:
        question_id = int(question_id)
    except (TypeError, ValueError):
        raise NotFound(_("There is no such question.")) from None
    question = db.session.get(RegistrationQuestion, question_id) if (
        0 < question_id <= DB_INT_MAX) else None  # fmt: skip
    if question is None or question.edition_id != edition.id:
        raise NotFound(_("There is no such question in this edition."))
    return question


def answer_counts(edition) -> dict[int, int]:
    """{question id: number of answers} for the organisers' list."""
    return dict(
        db.session.execute(
            sa.select(RegistrationAnswer.question_id, sa.func.count())
            .join(RegistrationQuestion, RegistrationQuestion.id == RegistrationAnswer.question_id)
            .where(RegistrationQuestion.edition_id == edition.id)
            .group_by(RegistrationAnswer.question_id)
        ).all()
    )


@dataclass
class QuestionInput:
    key: str
    kind: str
    label: str
    help_text: str = ""
    required: bool = False
    choices: str | list = ""
    category_ids: list | None = None
    position: int = 0
    condition_question_id: int | None = None
    condition_value: str = ""
    sensitive: bool = False


def _choices(text) -> list[str]:
    lines = text if isinstance(text, list) else (text or "").splitlines()
    seen: list[str] = []
    for line in lines:
        choice = str(line).strip()
        if choice and choice not in seen:
            if len(choice) > MAX_CHOICE_LENGTH:
                raise QuestionError(
                    _("A choice can have at most %(num)d characters.", num=MAX_CHOICE_LENGTH),
                    field="choices",
                )
            seen.append(choice)
    return seen


def _depends_on(question: RegistrationQuestion, target_id: int) -> bool:
    """Does ``question``'s chain of conditions lead to the question ``target_id``?"""
    seen = set()
    current = question
    while current is not None and current.id not in seen:
        if current.id == target_id:
            return True
        seen.add(current.id)
        current = current.condition_question
    return False


def save_question(actor, edition, values: QuestionInput, question=None) -> RegistrationQuestion:
    """Create or change a question; a changed question keeps the answers already given."""
    key = (values.key or "").strip().lower()
    if not _KEY.match(key):
        raise QuestionError(
            _(
                "The key must start with a letter and contain only lower-case letters, digits "
                "and _ (at most 40)."
            ),
            field="key",
        )
    clash = db.session.scalar(
        sa.select(RegistrationQuestion.id).where(
            RegistrationQuestion.edition_id == edition.id, RegistrationQuestion.key == key
        )
    )
    if clash is not None and (question is None or clash != question.id):
        raise QuestionError(_("Another question of this edition has this key."), field="key")
    if values.kind not in KIND_LABELS:
        raise QuestionError(_("Please choose a kind of question."), field="kind")
    if question is not None and question.kind != values.kind and _has_answers(question):
        raise QuestionError(
            _(
                "People have answered this question: its kind cannot change any more. Add a "
                "new question instead."
            ),
            field="kind",
        )
    label = (values.label or "").strip()
    if not label or len(label) > 300:
        raise QuestionError(_("Please give a label of at most 300 characters."), field="label")
    choices = _choices(values.choices) if values.kind in CHOICE_KINDS else []
    if values.kind in CHOICE_KINDS and len(choices) < 2:
        raise QuestionError(_("Please give at least two choices, one per line."), field="choices")
    if len(choices) > MAX_CHOICES:
        raise QuestionError(
            _("A question can have at most %(num)d choices.", num=MAX_CHOICES), field="choices"
        )
    own_categories = set(
        db.session.scalars(
            sa.select(AccreditationCategory.id).where(
                AccreditationCategory.edition_id == edition.id
            )
        )
    )
    category_ids = sorted({int(c) for c in values.category_ids or []})
    if not set(category_ids) <= own_categories:
        raise QuestionError(_("Please choose categories of this edition."), field="category_ids")
    condition = None
    if values.condition_question_id:
        try:
            condition = get_question(edition, values.condition_question_id)
        except NotFound:
            raise QuestionError(
                _("The condition must name a question of this edition."),
                field="condition_question_id",
            ) from None
        if question is not None and _depends_on(condition, question.id):
            raise QuestionError(
                _("A question cannot depend on itself, even through another question."),
                field="condition_question_id",
            )
        if condition.kind == K.FILE:
            raise QuestionError(
                _("A condition cannot depend on a file question."), field="condition_question_id"
            )
    condition_value = (values.condition_value or "").strip() if condition else ""
    if condition is not None and condition_value:
        allowed = (
            ["yes", "no"] if condition.kind == K.YES_NO
            else condition.choices if condition.kind in CHOICE_KINDS else None
        )  # fmt: skip
        if allowed is not None and condition_value not in allowed:
            raise QuestionError(
                _(
                    "The value must be one of the answers of “%(label)s”: %(choices)s.",
                    label=condition.label,
                    choices=", ".join(allowed),
                ),
                field="condition_value",
            )
        if len(condition_value) > 300:
            raise QuestionError(_("The value is too long."), field="condition_value")
    creating = question is None
    if creating:
        question = RegistrationQuestion(edition_id=edition.id)
        db.session.add(question)
    question.key = key
    question.kind = values.kind
    question.label = label
    question.help_text = (values.help_text or "").strip()[:2000]
    question.required = bool(values.required)
    question.choices = choices
    question.category_ids = category_ids
    question.position = int(values.position or 0)
    question.condition_question = condition
    question.condition_question_id = condition.id if condition else None
    question.condition_value = condition_value
    question.sensitive = bool(values.sensitive)
    db.session.flush()
    audit.record(
        actor,
        "question.create" if creating else "question.update",
        question,
        edition=edition,
        key=key,
        kind=question.kind,
    )
    return question


def _has_answers(question) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count(RegistrationAnswer.id)).where(
                RegistrationAnswer.question_id == question.id
            )
        )
        or 0
    ) > 0


def delete_question(actor, question: RegistrationQuestion) -> None:
    """Delete a question; the answers already given stay (with their copy of the label) and
    questions that depended on it are asked without a condition."""
    db.session.execute(
        sa.update(RegistrationAnswer)
        .where(RegistrationAnswer.question_id == question.id)
        .values(question_id=None)
    )
    db.session.execute(
        sa.update(RegistrationQuestion)
        .where(RegistrationQuestion.condition_question_id == question.id)
        .values(condition_question_id=None, condition_value="")
    )
    audit.record(actor, "question.delete", question, edition=question.edition_id, key=question.key)
    db.session.delete(question)
    db.session.flush()


# --- asking -------------------------------------------------------------------------------


def applies_to(question: RegistrationQuestion, category_id: int | None) -> bool:
    """Is ``question`` asked in the category ``category_id``?"""
    return not question.category_ids or category_id in question.category_ids


def condition_met(question: RegistrationQuestion, values: dict[int, object]) -> bool:
    """Is ``question``'s condition met by ``values`` (question id → checked value)?"""
    if question.condition_question_id is None:
        return True
    given = values.get(question.condition_question_id)
    if given in (None, "", []):
        return False
    if not question.condition_value:
        return True
    if isinstance(given, bool):
        given = "yes" if given else "no"
    if isinstance(given, list):
        return question.condition_value in given
    return str(given) == question.condition_value


def _text(raw) -> str:
    return raw.strip() if isinstance(raw, str) else ""


def _check_value(question: RegistrationQuestion, raw):
    """The checked value of one answer, or None when empty; raises ``DomainError``."""
    kind = question.kind
    if kind == K.FILE:
        return check_file(raw)
    if kind == K.MULTIPLE_CHOICE:
        given = [str(v) for v in (raw or []) if str(v).strip()]
        unknown = [v for v in given if v not in question.choices]
        if unknown:
            raise DomainError(_("Please choose among the choices offered."))
        return [c for c in question.choices if c in given] or None
    text = _text(raw)
    if not text:
        return None
    if kind in MAX_ANSWER and len(text) > MAX_ANSWER[kind]:
        raise DomainError(_("Please write at most %(num)d characters.", num=MAX_ANSWER[kind]))
    if kind == K.SINGLE_CHOICE:
        if text not in question.choices:
            raise DomainError(_("Please choose one of the choices offered."))
        return text
    if kind == K.YES_NO:
        if text not in ("yes", "no"):
            raise DomainError(_("Please answer yes or no."))
        return text == "yes"
    if kind == K.NUMBER:
        if not _NUMBER.match(text):
            raise DomainError(_("Please give a number, such as 3 or 2.5."))
        number = float(text.replace(",", "."))
        return int(number) if number.is_integer() else number
    if kind == K.DATE:
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise DomainError(_("Please give a date as YYYY-MM-DD.")) from None
    if kind == K.COUNTRY:
        if not countries.is_valid(text):
            raise DomainError(_("Please choose a country from the list."))
        return text.upper()
    if kind == K.EMAIL:
        if not _EMAIL.match(text):
            raise DomainError(_("Please give a valid e-mail address."))
        return text.lower()
    if "\x00" in text:
        raise DomainError(_("The text contains characters that are not allowed."))
    return text


def check_answers(
    edition, category_id: int | None, raw: dict[int, object], existing: dict[str, object]
) -> tuple[dict[int, object], dict[str, str]]:
    """Check the answers given on the form: (question id → value for every asked question,
    form field name → message for every problem). ``raw`` maps question id to what the form
    sent; ``existing`` maps question key to the stored answer (a file already given need not
    be sent again)."""
    checked: dict[int, object] = {}
    errors: dict[str, str] = {}
    all_questions = questions(edition)
    for question in all_questions:
        try:
            checked[question.id] = _check_value(question, raw.get(question.id))
        except DomainError as exc:
            checked[question.id] = None
            errors[field_name(question)] = exc.message
    asked: dict[int, object] = {}
    # Conditions are resolved in the form's order; a question depending on one not asked is
    # not asked either.
    for question in _condition_order(all_questions):
        if not applies_to(question, category_id) or not condition_met(question, asked):
            errors.pop(field_name(question), None)
            continue
        value = checked[question.id]
        if value is None and question.kind == K.FILE and question.key in existing:
            value = existing[question.key]
        asked[question.id] = value
        if question.required and value in (None, "", []) and field_name(question) not in errors:
            errors[field_name(question)] = _("Please answer this question.")
    return asked, errors


def _condition_order(all_questions) -> list[RegistrationQuestion]:
    """The questions with each one after the question its condition names."""
    by_id = {q.id: q for q in all_questions}
    ordered: list[RegistrationQuestion] = []
    placed: set[int] = set()

    def place(question, trail=()):
        if question.id in placed or question.id in trail:
            return
        parent = by_id.get(question.condition_question_id)
        if parent is not None:
            place(parent, (*trail, question.id))
        placed.add(question.id)
        ordered.append(question)

    for question in all_questions:
        place(question)
    return ordered


def _value_text(value) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, PendingFile):
        return value.name
    return "" if value is None else str(value)


def save_answers(registration: Registration, asked: dict[int, object]) -> None:
    """Keep the answers ``check_answers`` accepted; answers to questions no longer asked of
    this person (another category, a condition not met) are removed."""
    by_key = {a.question_key: a for a in answers_of(registration)}
    edition_questions = {q.id: q for q in questions(registration.edition)}
    kept: set[str] = set()
    for question_id, value in asked.items():
        question = edition_questions[question_id]
        if value in (None, "", []):
            continue
        answer = by_key.get(question.key)
        if isinstance(value, RegistrationAnswer):  # a file given before, unchanged
            kept.add(question.key)
            continue
        if answer is None:
            answer = RegistrationAnswer(registration_id=registration.id, question_key=question.key)
            answer.registration = registration
            db.session.add(answer)
        elif answer.stored_name and isinstance(value, PendingFile):
            remove_file(answer.stored_name)
            answer.stored_name = ""
        answer.question_id = question.id
        answer.question = question
        answer.question_label = question.label
        answer.kind = question.kind
        answer.sensitive = question.sensitive
        if isinstance(value, PendingFile):
            answer.stored_name = store_file(registration.edition_id, value)
            answer.file_name = value.name
            answer.file_type = value.content_type
            answer.file_size = len(value.content)
            answer.value = {"file_name": value.name, "size": len(value.content),
                            "content_type": value.content_type}  # fmt: skip
        else:
            answer.value = value
        answer.value_text = _value_text(value)
        kept.add(question.key)
    for key, answer in by_key.items():
        if key not in kept and (
            answer.question_id in edition_questions or answer.question_id is None
        ):
            if answer.question_id is None:
                continue  # the question is gone: the old answer stays readable
            delete_answer(answer)
    db.session.flush()


def delete_answer(answer: RegistrationAnswer) -> None:
    if answer.stored_name:
        remove_file(answer.stored_name)
    db.session.delete(answer)


def answers_of(registration: Registration, *, include_sensitive: bool = True):
    """The registration's answers, in the order of the questions (answers to deleted
    questions last)."""
    stmt = (
        sa.select(RegistrationAnswer)
        .outerjoin(RegistrationQuestion, RegistrationQuestion.id == RegistrationAnswer.question_id)
        .where(RegistrationAnswer.registration_id == registration.id)
        .order_by(
            RegistrationQuestion.id.is_(None),
            RegistrationQuestion.position,
            RegistrationQuestion.id,
            RegistrationAnswer.id,
        )
    )
    if not include_sensitive:
        stmt = stmt.where(RegistrationAnswer.sensitive.is_(False))
    return list(db.session.scalars(stmt))


def existing_answers(registration: Registration | None) -> dict[str, RegistrationAnswer]:
    return {a.question_key: a for a in answers_of(registration)} if registration else {}


def form_values(registration: Registration) -> dict[str, object]:
    """The stored answers as the registration form's field data (editing)."""
    edition_questions = {q.key: q for q in questions(registration.edition)}
    data: dict[str, object] = {}
    for answer in answers_of(registration):
        question = edition_questions.get(answer.question_key)
        if question is None or question.kind == K.FILE:
            continue
        value = answer.value
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, int | float):
            value = str(value)
        data[field_name(question)] = value
    return data


def answers_json(registration: Registration) -> dict[str, object]:
    """The ``answers`` of the registration JSON: question key → value (a file answer as its
    name, size and type)."""
    return {a.question_key: a.value for a in answers_of(registration)}


def display(answer: RegistrationAnswer) -> str:
    """An answer as text in the reader's language."""
    if isinstance(answer.value, bool):
        return _("Yes") if answer.value else _("No")
    if answer.kind == K.COUNTRY:
        return countries.name(answer.value) or answer.value_text
    if answer.kind == K.FILE:
        return answer.file_name
    return answer.value_text
