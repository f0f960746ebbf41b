"""A small committee world: an edition with tracks, a blinded submission, reviewers, a chair."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import make_edition, make_user
from tests.review.factories import make_chair, make_reviewer, make_submission, make_track

AUTHOR_NAME = "Zelda Quintessa-Author"
AUTHOR_EMAIL = "zelda.author@quintessa-institute.eu"
AUTHOR_ORG = "Quintessa Institute of Secrets"
CO_NAME = "Marek Cospeakovich"
CO_EMAIL = "marek@cospeak-labs.org"
CO_ORG = "Cospeak Laboratories"
UNCONFIRMED_EMAIL = "pending.person@elsewhere-unconfirmed.net"
IDENTITY = [AUTHOR_NAME, AUTHOR_EMAIL, AUTHOR_ORG, CO_NAME, CO_EMAIL, CO_ORG, "quintessa-institute"]


@dataclass
class World:
    edition: object
    tracks: list
    author: object
    co_user: object
    submission: object
    reviewer: object
    other_reviewer: object
    chair: object


@pytest.fixture
def world(app):
    edition = make_edition()
    tracks = [make_track(edition, f"Track {name}") for name in "ABCD"]
    author = make_user(AUTHOR_EMAIL, full_name=AUTHOR_NAME, organisation=AUTHOR_ORG, password=None)
    co_user = make_user(CO_EMAIL, full_name=CO_NAME, organisation=CO_ORG, password=None)
    submission = make_submission(
        edition,
        author=author,
        title="Securing open laboratories",
        track=tracks[0],
        co_speakers=[
            (CO_EMAIL, CO_NAME, co_user, True),
            (UNCONFIRMED_EMAIL, "Pending Person", None, False),
        ],
    )
    reviewer = make_reviewer(
        edition, email="rita@reviewers.example.net", full_name="Rita Reviewer", organisation="Uni A"
    )
    other = make_reviewer(
        edition, email="otto@otherplace.example.net", full_name="Otto Other", organisation="Uni B"
    )
    chair = make_chair(edition, email="chair@chairs.example.net", full_name="Chris Chair")
    return World(edition, tracks, author, co_user, submission, reviewer, other, chair)


def assert_blind(text: str) -> None:
    """No trace of the speakers' identity in ``text`` (case-insensitive)."""
    lowered = text.lower()
    for needle in IDENTITY:
        assert needle.lower() not in lowered, f"{needle!r} leaked"
