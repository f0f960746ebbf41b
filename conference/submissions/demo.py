"""Demo data of the call: submission types, ~40 submissions in 2027, accepted abstracts in 2025.

Runs after the programme's demo step and uses its tracks (creating four if there are none).
Decisions of 2027 are the review area's demo; here every submission is a draft, submitted or
withdrawn. Idempotent: a submission is identified by its edition, author and title.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from conference.extensions import db
from conference.programme.models import Track
from conference.submissions.models import CoSpeaker, Decision, Submission, SubmissionType
from conference.submissions.services import STANDARD_TYPES

# Used only when the programme's demo has not created tracks for an edition.
FALLBACK_TRACKS = [
    ("Risk assessment and due diligence", "#1f77b4"),
    ("Export control and dual use", "#d62728"),
    ("Foreign interference", "#2ca02c"),
    ("International cooperation", "#9467bd"),
]

# (e-mail, name, organisation, country): speakers from many organisations and domains.
SPEAKERS = [
    ("m.jansen@uni-leiden.example", "Marieke Jansen", "Leiden University", "NL"),
    ("p.lindqvist@kth.example", "Per Lindqvist", "KTH Royal Institute of Technology", "SE"),
    ("c.dubois@cnrs.example", "Camille Dubois", "CNRS", "FR"),
    ("l.moreau@cnrs.example", "Luc Moreau", "CNRS", "FR"),
    ("k.schmidt@fraunhofer.example", "Katrin Schmidt", "Fraunhofer-Gesellschaft", "DE"),
    ("j.weber@dfg.example", "Jonas Weber", "Deutsche Forschungsgemeinschaft", "DE"),
    ("a.rossi@polimi.example", "Alessandra Rossi", "Politecnico di Milano", "IT"),
    ("g.bianchi@cnr.example", "Giorgio Bianchi", "Consiglio Nazionale delle Ricerche", "IT"),
    ("e.garcia@csic.example", "Elena García", "CSIC", "ES"),
    ("j.martinez@ucm.example", "Javier Martínez", "Universidad Complutense de Madrid", "ES"),
    ("a.nowak@uw.example", "Agnieszka Nowak", "University of Warsaw", "PL"),
    ("t.kowalski@pan.example", "Tomasz Kowalski", "Polish Academy of Sciences", "PL"),
    ("s.virtanen@helsinki.example", "Sanna Virtanen", "University of Helsinki", "FI"),
    ("m.novak@cvut.example", "Martin Novák", "Czech Technical University", "CZ"),
    ("i.horvath@elte.example", "István Horváth", "Eötvös Loránd University", "HU"),
    ("a.papadopoulou@certh.example", "Anna Papadopoulou", "CERTH", "GR"),
    ("s.oconnor@tcd.example", "Siobhán O'Connor", "Trinity College Dublin", "IE"),
    ("r.silva@ulisboa.example", "Rui Silva", "Universidade de Lisboa", "PT"),
    ("l.peeters@kuleuven.example", "Lotte Peeters", "KU Leuven", "BE"),
    ("f.maes@kuleuven.example", "Frederik Maes", "KU Leuven", "BE"),
    ("h.nielsen@dtu.example", "Henrik Nielsen", "Technical University of Denmark", "DK"),
    ("b.gruber@tuwien.example", "Barbara Gruber", "TU Wien", "AT"),
    ("d.popescu@upb.example", "Dan Popescu", "Politehnica University of Bucharest", "RO"),
    ("m.ivanova@bas.example", "Maria Ivanova", "Bulgarian Academy of Sciences", "BG"),
    ("k.tamm@ut.example", "Kadri Tamm", "University of Tartu", "EE"),
    ("o.berzins@lu.example", "Oskars Bērziņš", "University of Latvia", "LV"),
    ("n.hansen@forskningsradet.example", "Nora Hansen", "Research Council of Norway", "NO"),
    ("s.keller@ethz.example", "Simon Keller", "ETH Zurich", "CH"),
    ("e.vos@ec-jrc.example", "Eva Vos", "Joint Research Centre", "BE"),
    ("y.demir@tubitak.example", "Yusuf Demir", "TÜBİTAK", "TR"),
]

TITLES = [
    "Due diligence for international research partnerships: a practical framework",
    "Mapping dual-use risks in quantum technology projects",
    "Export control compliance in university laboratories",
    "Knowledge security in doctoral training",
    "Foreign interference indicators for research funders",
    "Trusted research environments for sensitive data",
    "Screening visiting researchers without discrimination",
    "Research security in open science: reconciling the two",
    "A risk matrix for international collaborations",
    "Lessons from a national research security helpdesk",
    "Cyber hygiene for research groups",
    "Institutional responses to economic espionage",
    "Training researchers on export control: what works",
    "Ethics committees and research security reviews",
    "Transparency of foreign funding in academia",
    "Safeguarding AI research from misuse",
    "Supply-chain risks in research infrastructure",
    "Balancing openness and security in space science",
    "Research security for small and medium-sized institutions",
    "Case studies of talent recruitment programmes",
    "Measuring the impact of research security policies",
    "Dual-use biology: governance beyond the lab",
    "Cross-border data transfers in research projects",
    "A panel on national research security contact points",
    "Poster: a self-assessment tool for research offices",
    "Workshop: writing a research security plan",
    "Academic freedom under pressure: interference cases",
    "Horizon Europe and research security requirements",
    "Semiconductors, research and strategic autonomy",
    "Research security awareness campaigns that work",
    "Identifying sensitive technologies early",
    "Partnering with industry: IP and security",
    "Research security in the humanities and social sciences",
    "Building trust with international partners",
    "Reporting channels for suspected interference",
    "Research security metrics for university leadership",
    "Poster: export-control classification in practice",
    "Workshop: tabletop exercise on a foreign-interference incident",
    "Panel: researchers' perspectives on security rules",
    "Conference travel security for researchers",
]

KEYWORDS = [
    "due diligence, partnerships",
    "dual use, quantum",
    "export control, compliance",
    "knowledge security, training",
    "foreign interference, funders",
    "data security, infrastructure",
    "screening, non-discrimination",
    "open science, security",
]

AUDIENCES = [
    "research managers and security officers",
    "policy makers",
    "researchers and doctoral supervisors",
    "funders and research councils",
]

SENTENCES = [
    "Research organisations face growing pressure to protect sensitive knowledge.",
    "We present the results of a two-year study across twelve European institutions.",
    "Our approach combines a risk assessment with proportionate mitigation measures.",
    "The findings show that clear guidance reduces both risk and administrative burden.",
    "We discuss how the framework can be adapted to institutions of different sizes.",
    "Participants will take away a checklist they can use in their own organisation.",
    "The contribution draws on interviews with researchers, managers and policy makers.",
    "We highlight open questions for the research security community.",
]


def _abstract(n: int, sentences: int) -> str:
    return " ".join(SENTENCES[(n + i) % len(SENTENCES)] for i in range(sentences))


def _tracks(edition) -> list[Track]:
    existing = list(
        db.session.scalars(
            sa.select(Track)
            .where(Track.edition_id == edition.id)
            .order_by(Track.position, Track.id)
        )
    )
    if existing:
        return existing[:4]
    made = []
    for position, (name, colour) in enumerate(FALLBACK_TRACKS):
        track = Track(edition_id=edition.id, name=name, colour=colour, position=position)
        db.session.add(track)
        made.append(track)
    db.session.flush()
    return made


def _types(edition) -> dict[str, SubmissionType]:
    existing = {
        t.code: t
        for t in db.session.scalars(
            sa.select(SubmissionType).where(SubmissionType.edition_id == edition.id)
        )
    }
    for code, name, words, minutes, description in STANDARD_TYPES:
        if code not in existing:
            existing[code] = SubmissionType(
                edition_id=edition.id,
                code=code,
                name=name,
                max_words=words,
                duration_minutes=minutes,
                description=description,
            )
            db.session.add(existing[code])
    db.session.flush()
    return existing


def _type_code(title: str) -> str:
    lowered = title.lower()
    for prefixes, code in ((("poster",), "poster"), (("workshop",), "workshop"),
                           (("panel", "a panel"), "panel")):  # fmt: skip
        if lowered.startswith(prefixes):
            return code
    return "talk"


def _submission(edition, author, title: str, **values) -> Submission:
    submission = db.session.scalar(
        sa.select(Submission).where(
            Submission.edition_id == edition.id,
            Submission.author_id == author.id,
            Submission.title == title,
        )
    )
    if submission is None:
        submission = Submission(edition_id=edition.id, author_id=author.id, title=title, **values)
        db.session.add(submission)
        db.session.flush()
    return submission


def _co_speaker(submission, email: str, name: str, user=None, confirmed_at=None) -> None:
    if any(c.email == email for c in submission.co_speakers):
        return
    db.session.add(
        CoSpeaker(
            submission=submission,
            email=email,
            name=name,
            user_id=user.id if user is not None and confirmed_at else None,
            invited_at=submission.created_at,
            confirmed_at=confirmed_at,
        )
    )


def _seed_2027(demo) -> None:
    edition = demo.editions[2027]
    tracks = _tracks(edition)
    types = _types(edition)
    speakers = [
        demo.user(email, name, organisation=organisation, country=country)
        for email, name, organisation, country in SPEAKERS
    ]
    start = edition.cfp_opens_at or dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    for n, title in enumerate(TITLES[:39]):
        author = speakers[n % len(speakers)]
        submission_type = types[_type_code(title)]
        # 6 drafts, 4 withdrawn, the rest submitted.
        if n % 10 == 3 or n in (37, 38):
            state, sentences = "draft", 2 + n % 3
        elif n % 10 == 7 or n == 30:
            state, sentences = "withdrawn", 4
        else:
            state, sentences = "submitted", 3 + n % 5
        created = start + dt.timedelta(days=1 + n, hours=n % 7)
        submission = _submission(
            edition,
            author,
            title,
            type_id=submission_type.id,
            track_id=tracks[n % len(tracks)].id,
            abstract=_abstract(n, sentences),
            keywords=KEYWORDS[n % len(KEYWORDS)],
            audience=AUDIENCES[n % len(AUDIENCES)],
            state=state,
            decision=Decision.PENDING,
            created_at=created,
            submitted_at=created + dt.timedelta(days=2) if state != "draft" else None,
            withdrawn_at=created + dt.timedelta(days=9) if state == "withdrawn" else None,
        )
        if n % 4 == 0:  # a confirmed co-speaker from another organisation
            co = speakers[(n + 7) % len(speakers)]
            _co_speaker(submission, co.email, co.full_name, co, created + dt.timedelta(days=1))
        if n % 6 == 1:  # an invitation not yet confirmed
            _co_speaker(submission, f"guest{n}@partner-institute.example", f"Guest Speaker {n}")
    attendee = demo.users.get("attendee@demo.test")
    if attendee is not None:
        _submission(
            edition,
            attendee,
            "A research office's first year of research security advice",
            type_id=types["talk"].id,
            track_id=tracks[0].id,
            abstract=_abstract(5, 4),
            keywords="research office, advice",
            audience="research managers",
            state="submitted",
            decision=Decision.PENDING,
            created_at=start + dt.timedelta(days=20),
            submitted_at=start + dt.timedelta(days=21),
        )


ACCEPTED_2025 = [
    ("Research security in practice: the first national guidelines", "talk"),
    ("Export control for universities: lessons learnt", "talk"),
    ("Panel: research funders and knowledge security", "panel"),
    ("Poster: a due diligence checklist for partnerships", "poster"),
    ("Workshop: assessing dual-use potential in proposals", "workshop"),
]


def _seed_2025(demo) -> None:
    edition = demo.editions.get(2025)
    if edition is None:
        return
    tracks = _tracks(edition)
    types = _types(edition)
    speakers = [
        demo.user(email, name, organisation=organisation, country=country)
        for email, name, organisation, country in SPEAKERS[:8]
    ]
    decided = edition.review_deadline or dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    for n, (title, code) in enumerate(ACCEPTED_2025):
        created = (edition.cfp_opens_at or decided) + dt.timedelta(days=10 + n)
        submission = _submission(
            edition,
            speakers[n],
            title,
            type_id=types[code].id,
            track_id=tracks[n % len(tracks)].id,
            abstract=_abstract(n, 5),
            keywords=KEYWORDS[n],
            audience=AUDIENCES[n % len(AUDIENCES)],
            state="submitted",
            decision=Decision.ACCEPTED,
            created_at=created,
            submitted_at=created + dt.timedelta(days=1),
            decided_at=decided,
            decision_published_at=decided + dt.timedelta(days=2),
        )
        if n == 2:
            co = speakers[5]
            _co_speaker(submission, co.email, co.full_name, co, created)


def seed(demo) -> None:
    _seed_2027(demo)
    _seed_2025(demo)
    db.session.commit()
