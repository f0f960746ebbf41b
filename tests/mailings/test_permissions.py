"""``mailing.view`` and ``mailing.write``: who may read and write which mailings."""

from __future__ import annotations

import pytest

from conference.accounts.models import Role
from conference.editions.models import EditionState
from conference.extensions import db
from conference.permissions import can
from tests.factories import make_edition, make_user
from tests.mailings.factories import make_mailing


@pytest.fixture
def edition(app):
    return make_edition()


@pytest.mark.parametrize(
    ("role", "kind", "allowed"),
    [
        (Role.ORGANISER, "registrations", True),
        (Role.ORGANISER, "speakers", True),
        (Role.ORGANISER, "csv", True),
        (Role.CHAIR, "speakers", True),
        (Role.CHAIR, "reviewers", True),
        (Role.CHAIR, "registrations", False),
        (Role.CHAIR, "role", False),
        (Role.CHAIR, "csv", False),
        (Role.REVIEWER, "reviewers", False),
        (Role.STAFF, "registrations", False),
        (None, "speakers", False),
    ],
)
def test_who_writes_to_which_group(edition, role, kind, allowed):
    user = make_user(role=role, edition=edition) if role else make_user()
    mailing = make_mailing(edition, {"kind": kind})
    assert can(user, "mailing.write", kind, edition=edition) is allowed
    assert can(user, "mailing.write", mailing, edition=edition) is allowed
    assert can(user, "mailing.view", mailing, edition=edition) is allowed


def test_the_list_is_open_to_organisers_and_chairs_only(edition):
    assert can(make_user(role=Role.ORGANISER, edition=edition), "mailing.view", edition=edition)
    assert can(make_user(role=Role.CHAIR, edition=edition), "mailing.view", edition=edition)
    assert can(make_user(admin=True), "mailing.view", edition=edition)
    for role in (Role.REVIEWER, Role.STAFF):
        assert not can(make_user(role=role, edition=edition), "mailing.view", edition=edition)
    assert not can(None, "mailing.view", edition=edition)


def test_roles_in_another_edition_give_nothing(edition):
    other = make_edition(2028)
    organiser = make_user(role=Role.ORGANISER, edition=other)
    assert not can(organiser, "mailing.view", edition=edition)
    assert not can(organiser, "mailing.write", "registrations", edition=edition)


def test_archived_editions_are_read_only(edition):
    organiser = make_user(role=Role.ORGANISER, edition=edition)
    edition.state = EditionState.ARCHIVED
    db.session.commit()
    assert can(organiser, "mailing.view", edition=edition)
    assert not can(organiser, "mailing.write", "registrations", edition=edition)
    assert can(make_user(admin=True), "mailing.write", "registrations", edition=edition)
