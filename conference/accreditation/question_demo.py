"""Demo data for the registration questions (issue 20): 2027 asks a few questions of its own
(one only when another answer is "yes", one sensitive, one for Member State experts only)
and the demo registrations answer them; 2027's page gets its description."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from conference.accreditation.models import AccreditationCategory, Registration
from conference.accreditation.question_models import RegistrationAnswer, RegistrationQuestion
from conference.accreditation.services import questions as question_services
from conference.extensions import db

DESCRIPTION_2027 = """\
The **European Flagship Conference on Research Security** brings together the people who
make international research cooperation open *and* safe: ministries and agencies of the
Member States, EU institutions, universities, research funders and the press.

Two days of plenaries, panels and closed-door workshops on:

- risk assessment and due diligence in international partnerships,
- export control of dual-use research,
- foreign interference in research and higher education,
- and the practical tools that research organisations can use today.

Attendance is by accreditation only. Some sessions are restricted to Member State experts.
"""

# The position follows the order; optional: help, choices, required, categories (codes),
# condition (key, value), sensitive.
CLEARANCE = ["None", "Restricted", "Confidential", "Secret"]
TOPICS = ["Due diligence", "Export control", "Foreign interference", "International cooperation"]
QUESTIONS = [
    dict(
        key="site_visit",
        kind="yes_no",
        label="Will you join the site visit to the Research Security Centre on 10 June?",
        help="A guided visit in the afternoon after the conference; places are limited.",
    ),
    dict(
        key="id_document",
        kind="single_choice",
        label="Identity document you will bring for the site visit",
        help="The site's security desk checks it at the entrance.",
        choices=["Passport", "National identity card"],
        required=True,
        condition=("site_visit", "yes"),
    ),
    dict(
        key="clearance_level",
        kind="single_choice",
        label="Highest national security clearance you hold",
        help="Some workshops are restricted; the organisers use this to plan them and erase "
        "it after the conference.",
        choices=CLEARANCE,
        categories=["MSE"],
        sensitive=True,
    ),
    dict(
        key="topics",
        kind="multiple_choice",
        label="Topics you would like to discuss in the workshops",
        choices=TOPICS,
    ),
    dict(key="arrival_date", kind="date", label="Date of your arrival in Brussels"),
]


def seed(demo) -> None:
    edition = demo.editions[2027]
    if not edition.description:
        edition.description = DESCRIPTION_2027
    existing = db.session.scalar(
        sa.select(sa.func.count(RegistrationQuestion.id)).where(
            RegistrationQuestion.edition_id == edition.id
        )
    )
    if existing:
        db.session.commit()
        return
    categories = {
        c.code: c.id
        for c in db.session.scalars(
            sa.select(AccreditationCategory).where(AccreditationCategory.edition_id == edition.id)
        )
    }
    by_key: dict[str, RegistrationQuestion] = {}
    for position, spec in enumerate(QUESTIONS, start=1):
        condition = spec.get("condition")
        question = RegistrationQuestion(
            edition_id=edition.id,
            key=spec["key"],
            kind=spec["kind"],
            label=spec["label"],
            help_text=spec.get("help", ""),
            choices=spec.get("choices", []),
            required=spec.get("required", False),
            category_ids=[categories[c] for c in spec.get("categories", []) if c in categories],
            condition_question_id=by_key[condition[0]].id if condition else None,
            condition_value=condition[1] if condition else "",
            sensitive=spec.get("sensitive", False),
            position=position * 10,
        )
        db.session.add(question)
        db.session.flush()
        by_key[question.key] = question
    _answer(edition, by_key, categories)
    db.session.commit()


def _answer(edition, by_key, categories) -> None:
    """Answers on the demo registrations, varied by their order."""
    registrations = db.session.scalars(
        sa.select(Registration)
        .where(Registration.edition_id == edition.id, Registration.user_id.is_not(None))
        .order_by(Registration.id)
    )
    for index, registration in enumerate(registrations):
        answered = db.session.scalar(
            sa.select(RegistrationAnswer.id).where(
                RegistrationAnswer.registration_id == registration.id
            )
        )
        if answered:
            continue
        visiting = index % 3 != 2
        asked = {by_key["site_visit"].id: visiting}
        if visiting:
            asked[by_key["id_document"].id] = "Passport" if index % 2 else "National identity card"
        if registration.requested_category_id == categories.get("MSE"):
            asked[by_key["clearance_level"].id] = CLEARANCE[index % len(CLEARANCE)]
        asked[by_key["topics"].id] = [TOPICS[index % 4], TOPICS[(index + 2) % 4]]
        if index % 4 != 1:
            day = dt.date(2027, 6, 8) - dt.timedelta(days=index % 2)
            asked[by_key["arrival_date"].id] = day.isoformat()
        question_services.save_answers(registration, asked)
