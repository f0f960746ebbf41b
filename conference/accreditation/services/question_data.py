"""Registration answers beyond the form: the queue's filter, the CSV columns, the
personal-data download, erasure and the retention purge (sensitive answers first), and the
copy of the questions into a cloned edition. The questions and the answers themselves are
``questions``' business."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from conference import countries
from conference.accreditation.models import Registration
from conference.accreditation.question_models import (
    QuestionKind,
    RegistrationAnswer,
    RegistrationQuestion,
)
from conference.accreditation.services.questions import (
    answers_of,
    delete_answer,
    questions,
)
from conference.db import copy_row
from conference.editions.models import Edition
from conference.extensions import db

K = QuestionKind


def filter_by_answer(stmt, question: RegistrationQuestion, text: str):
    """Narrow a query of registrations to those whose answer to ``question`` contains
    ``text`` (any answer when ``text`` is empty; for a choice, that exact choice)."""
    answered = sa.select(RegistrationAnswer.registration_id).where(
        RegistrationAnswer.question_key == question.key,
        RegistrationAnswer.registration_id == Registration.id,
    )
    if text:
        if question.kind in (K.SINGLE_CHOICE, K.YES_NO, K.COUNTRY):
            wanted = {"yes": _("Yes"), "no": _("No")}.get(text, text) if (
                question.kind == K.YES_NO) else text  # fmt: skip
            answered = answered.where(
                sa.func.lower(RegistrationAnswer.value_text) == wanted.lower()
            )
        else:
            escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            answered = answered.where(
                sa.func.lower(RegistrationAnswer.value_text).like(f"%{escaped}%", escape="\\")
            )
    return stmt.where(answered.exists())


def csv_questions(edition, *, include_sensitive: bool) -> list[RegistrationQuestion]:
    return [q for q in questions(edition) if include_sensitive or not q.sensitive]


def csv_answer_cells(registration_ids: list[int], columns: list[RegistrationQuestion]):
    """{registration id: [cell per column]} for the CSV export."""
    keys = [q.key for q in columns]
    cells: dict[int, list[str]] = {rid: [""] * len(keys) for rid in registration_ids}
    if not keys or not registration_ids:
        return cells
    position = {key: i for i, key in enumerate(keys)}
    for start in range(0, len(registration_ids), 500):
        chunk = registration_ids[start : start + 500]
        for answer in db.session.scalars(
            sa.select(RegistrationAnswer).where(
                RegistrationAnswer.registration_id.in_(chunk),
                RegistrationAnswer.question_key.in_(keys),
            )
        ):
            cells[answer.registration_id][position[answer.question_key]] = (
                countries.name(answer.value) if answer.kind == K.COUNTRY else answer.value_text
            )
    return cells


def personal_data_section(user) -> list[dict]:
    """The person's answers for the data download, per edition."""
    rows = db.session.execute(
        sa.select(RegistrationAnswer, Registration.edition_id)
        .join(Registration, Registration.id == RegistrationAnswer.registration_id)
        .where(Registration.user_id == user.id)
        .order_by(Registration.id, RegistrationAnswer.id)
    ).all()
    from_editions = dict(db.session.execute(sa.select(Edition.id, Edition.year)).all())
    return [
        {
            "edition": from_editions.get(edition_id),
            "registration_id": answer.registration_id,
            "question": answer.question_label,
            "key": answer.question_key,
            "value": answer.value,
            "sensitive": answer.sensitive,
            "answered_at": answer.answered_at.isoformat(),
        }
        for answer, edition_id in rows
    ]


def erase_answers(registration: Registration, *, sensitive_only: bool = False) -> int:
    """Delete the registration's answers (and their files); returns how many."""
    erased = 0
    for answer in answers_of(registration):
        if sensitive_only and not answer.sensitive:
            continue
        delete_answer(answer)
        erased += 1
    db.session.flush()
    return erased


def erase_sensitive_answers(edition) -> int:
    """The retention purge's first step: every sensitive answer of ``edition``."""
    answers = list(
        db.session.scalars(
            sa.select(RegistrationAnswer)
            .join(Registration, Registration.id == RegistrationAnswer.registration_id)
            .where(Registration.edition_id == edition.id, RegistrationAnswer.sensitive.is_(True))
        )
    )
    for answer in answers:
        delete_answer(answer)
    db.session.flush()
    return len(answers)


def copy_questions(edition, source, category_map: dict) -> int:
    """Copy ``source``'s questions into the cloned ``edition`` (categories and conditions
    point at the copies)."""
    originals = questions(source)
    copies: dict[int, RegistrationQuestion] = {}
    for question in originals:
        copy = copy_row(
            question,
            edition_id=edition.id,
            condition_question_id=None,
            category_ids=[category_map[c].id for c in question.category_ids if c in category_map],
        )
        db.session.add(copy)
        copies[question.id] = copy
    db.session.flush()
    for question in originals:
        if question.condition_question_id in copies:
            copies[question.id].condition_question_id = copies[question.condition_question_id].id
    db.session.flush()
    return len(copies)
