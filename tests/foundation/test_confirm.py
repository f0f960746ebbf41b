"""The confirmation helper (conference/confirm.py): what a token is bound to, and how a POST
that skipped the step is answered."""

from __future__ import annotations

import pytest
from flask_login import login_user

from conference import confirm
from conference.confirm import Confirmation
from tests.factories import make_edition, make_user


def _token(app, subject, *, endpoint="x.delete", view_args=None, user=None):
    with app.test_request_context("/"):
        if user is not None:
            login_user(user)
        return confirm.token_for(subject, endpoint=endpoint, view_args=view_args or {"id": 1})


def test_token_is_bound_to_action_target_set_and_person(app):
    alice, bob = make_user(), make_user()
    base = _token(app, [1, 2], user=alice)
    assert base == _token(app, [1, 2], user=alice)
    assert base != _token(app, [1, 3], user=alice)
    assert base != _token(app, [1, 2], user=bob)
    assert base != _token(app, [1, 2], user=alice, endpoint="x.publish")
    assert base != _token(app, [1, 2], user=alice, view_args={"id": 2})
    app.config["SECRET_KEY"] = "another key"
    assert base != _token(app, [1, 2], user=alice)


@pytest.mark.parametrize(
    "values,expected",
    [([], []), (["3", "1", "3"], [3, 1]), ([" 7 "], [7])],
)
def test_id_list_parses_selections(values, expected):
    assert confirm.id_list(values) == expected


@pytest.mark.parametrize("values", [["x"], ["-1"], ["1" * 11], [str(i) for i in range(5)]])
def test_id_list_refuses_damaged_or_large_selections(values):
    with pytest.raises(ValueError):
        confirm.id_list(values, limit=4)


def _confirmation(**values) -> Confirmation:
    values.setdefault("fields", [("ids", list(range(1000, 1600)))])
    return Confirmation(
        title="Do it?",
        consequences=["It happens."],
        subject=["s"],
        submit_label="Do it",
        cancel_url="/",
        **values,
    )


def test_unconfirmed_post_with_a_huge_selection_gets_the_page_itself(app):
    make_edition()
    with app.test_request_context("/2027/admin/registrations/bulk", method="POST", data={}):
        app.preprocess_request()
        body, status = confirm.check(_confirmation())
    assert status == 200
    assert "Do it?" in body and 'name="confirm_token"' in body


def test_unconfirmed_post_with_a_small_selection_is_redirected(app):
    make_edition()
    with app.test_request_context("/2027/admin/registrations/bulk", method="POST", data={}):
        app.preprocess_request()
        response = confirm.check(_confirmation(fields=[("ids", [1, 2])]))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/2027/admin/registrations/bulk?ids=1&ids=2")
