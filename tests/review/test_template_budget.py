"""Decision-mail templates cannot tie up a worker: saving, previewing and sending are bounded.

A chair's template with nested loops used to pass the sandbox and run for as long as its loops
lasted (3 s for 3·10⁷ steps, minutes for 10¹⁰). Every loop step and call now spends from a
per-render budget, so such a template is refused within a fraction of a second.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from conference.editions.models import MailTemplate
from conference.errors import DomainError
from conference.extensions import db
from conference.mail import MAX_OPERATIONS, OutboxMessage, render_sandboxed
from conference.submissions.models import Submission

# 10¹⁰ loop steps: hours of work without a budget.
NESTED = (
    "{% for a in range(100000) %}{% for b in range(100000) %}"
    "{{ '' }}{% endfor %}{% endfor %}Hello {{ speaker_name }}"
)
URL = "/2027/review/templates/decision_rejected"

# Templates that build huge values without loops: each is refused before it allocates them.
BOMBS = [
    "{% set a = 'x' * 199999 %}{% set b = a ~ a %}{{ b|length }}",
    "{% set a = 'x' * 150000 %}{{ (a + a)|length }}",
    "{{ 'x'|center(999999999) }}",
    "{{ 'x'.ljust(999999999) }}",
    "{{ '%0999999999d' % 1 }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ '%0999999999d'|format(1) }}",
    "{{ ('x' * 199999)|replace('x', 'xx') }}",
    "{{ ('x' * 199999).replace('x', 'xx') }}",
    "{{ ('\n' * 199999)|indent(100) }}",
    "{{ ('x' * 100000).join(range(99999)|map('string')) }}",
    "{% macro d(x) %}{{ x }}{{ x }}{% endmacro %}"
    "{{ d(d(d(d(d(d(d(d(d(d(d(d(d(d(d(d(d(d(d(d('xxxxxxxxxx')))))))))))))))))))) }}",
    "{% set a %}{{ 'x' * 100000 }}{% endset %}{% set b %}{{ a }}{{ a }}{% endset %}"
    "{% set c %}{{ b }}{{ b }}{% endset %}{% set d %}{{ c }}{{ c }}{% endset %}"
    "{% set e %}{{ d }}{{ d }}{% endset %}{{ e|length }}",
    "{% for x in [1, 2] recursive %}{{ loop([x]) }}{% endfor %}",
    "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
]


def _timed(function):
    started = time.monotonic()
    result = function()
    return result, time.monotonic() - started


def test_nested_loops_are_refused_in_well_under_a_second():
    started = time.monotonic()
    with pytest.raises(DomainError) as caught:
        render_sandboxed(NESTED, speaker_name="Ann")
    assert time.monotonic() - started < 1.0
    assert caught.value.status_code == 400
    assert "too much work" in caught.value.message


@pytest.mark.parametrize("source", BOMBS)
def test_templates_that_build_huge_values_are_refused_quickly(source):
    started = time.monotonic()
    with pytest.raises(DomainError) as caught:
        render_sandboxed(source, speaker_name="Ann")
    assert caught.value.status_code == 400
    assert time.monotonic() - started < 2.0


def test_the_budget_is_per_render_and_ordinary_loops_fit():
    source = "{% for i in range(" + str(MAX_OPERATIONS // 4) + ") %}{% endfor %}ok"
    for _ in range(6):  # six renders spend more than one budget in total
        assert render_sandboxed(source) == "ok"
    text = render_sandboxed(
        "{% for s in sessions %}{{ loop.index }}. {{ s.title|upper }} "
        "{{ '%s-%d'|format('a', 3) }} {{ '{}!'.format(s.title) }} {{ s.title ~ '?' }}\n"
        "{% endfor %}{{ names|join(', ') }} {{ 'a b'.replace('a', 'b') }}",
        sessions=[{"title": "Opening"}, {"title": "Closing"}],
        names=["Ann", "Bob"],
    )
    assert text == (
        "1. OPENING a-3 Opening! Opening?\n2. CLOSING a-3 Closing! Closing?\nAnn, Bob b b"
    )


def test_saving_a_nested_loop_template_is_refused_with_a_message(world, login):
    chair = login(world.chair)
    response, elapsed = _timed(lambda: chair.post(URL, data={"subject": "Hi", "body": NESTED}))
    assert response.status_code == 400
    assert elapsed < 2.0
    assert "too much work" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailTemplate)) == 0
    # the subject is a template as well
    response = chair.post(URL, data={"subject": NESTED[:-25], "body": "Hello"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailTemplate)) == 0


def test_preview_and_sending_of_an_over_budget_stored_template_fail_safely(world, login):
    # A template stored before the budget existed (or written to the database directly).
    db.session.add(
        MailTemplate(
            edition_id=world.edition.id, key="decision_rejected", subject="News", body=NESTED
        )
    )
    db.session.commit()
    chair = login(world.chair)
    preview, elapsed = _timed(lambda: chair.get(URL))
    assert preview.status_code == 200 and elapsed < 2.0
    sid = world.submission.id
    chair.post(f"/2027/review/chair/submissions/{sid}/decision", data={"decision": "rejected"})
    response, elapsed = _timed(lambda: chair.post("/2027/review/chair/publish"))
    assert response.status_code == 400
    assert elapsed < 2.0
    assert "too much work" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Submission, sid).decision_published_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
