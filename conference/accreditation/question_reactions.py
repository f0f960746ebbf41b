"""The registration questions' handlers of signals: a cloned edition gets the source's
questions, and the personal-data download lists the person's answers."""

from __future__ import annotations

from conference.accreditation.reactions import copied_categories
from conference.accreditation.services import question_data
from conference.signals import edition_cloned, personal_data_requested


@edition_cloned.connect
def copy_questions_for_new_edition(edition, *, source, mapping, **_kwargs) -> dict[str, int]:
    """A cloned edition asks the source's questions, in the copied categories."""
    categories = copied_categories(edition, source, mapping)
    return {"registration_questions": question_data.copy_questions(edition, source, categories)}


@personal_data_requested.connect
def personal_data_answers(user, **_kwargs) -> tuple[str, list]:
    """The person's answers to registration questions, for the data download."""
    return "registration_answers", question_data.personal_data_section(user)
