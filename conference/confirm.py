"""The confirmation step of irreversible and mass actions.

An action that cannot be undone (deleting, revoking, publishing, cancelling, deciding many
registrations at once) first says what it will do and to whom, and acts only when the person
confirms. The view describes the action as a :class:`Confirmation` and asks :func:`check`::

    @bp.route("/…/delete", methods=["GET", "POST"])
    def delete(...):
        page = confirm.check(Confirmation(title=…, consequences=[…], subject=thing.id, …))
        if page is not None:
            return page
        ...act...

``check`` answers:

- a GET: the confirmation page (``templates/confirm.html``), whose form posts the same fields
  back with ``confirm=yes`` and a ``confirm_token``;
- a POST without ``confirm=yes`` (a form or script that skipped the step): a 303 redirect to
  that page (or, for a selection too large for a URL, the page itself), nothing changed;
- a POST whose token does not match what the action would do *now* (another selection, a
  decision changed, someone else joined the waiting list…): the page again with status 409 and
  the current facts, nothing changed;
- a POST with the right token: ``None``, and the view acts.

The token is an HMAC of the action (endpoint and URL arguments), the person and the ``subject``
— a JSON-able description of the exact target set — so a confirmation is only good for what it
showed. Pages work without JavaScript; ``static/js/confirm.js`` opens the same page in a
``<dialog>`` where scripts run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

# Longer redirect URLs (a bulk selection of hundreds) may be cut by proxies; the page is then
# the answer to the POST itself.
MAX_REDIRECT_URL = 2000


@dataclasses.dataclass
class MailPreview:
    """One mail as it will be sent."""

    to: str
    subject: str
    body: str


@dataclasses.dataclass
class Confirmation:
    """What an action is about to do, as shown on its confirmation page.

    ``subject`` is what the confirmation is for (ids, states, recipients); when it differs
    between the page and the POST, the POST is refused. ``fields`` are re-posted as hidden
    inputs (the action's own parameters). ``people`` lists who is affected as
    ``(name, detail)`` rows; ``mails`` previews the mails that will go out. ``blocked`` says
    why the action cannot be done at all (then no confirm button is shown).
    """

    title: str
    consequences: Sequence[str]
    subject: Any
    submit_label: str
    cancel_url: str
    fields: Sequence[tuple[str, Any]] = ()
    people: Sequence[tuple[str, str]] = ()
    people_heading: str = _l("Who is affected")
    mails: Sequence[MailPreview] = ()
    mails_total: int | None = None
    mails_heading: str = _l("The mails that will be sent")
    blocked: str | None = None
    danger: bool = True


def token_for(subject: Any, *, endpoint: str | None = None, view_args=None) -> str:
    """The HMAC that ties a confirmation to this action, person and target set."""
    payload = json.dumps(
        [
            endpoint if endpoint is not None else request.endpoint,
            sorted((view_args if view_args is not None else request.view_args or {}).items()),
            getattr(current_user, "id", None),
            subject,
        ],
        sort_keys=True,
        default=str,
        separators=(",", ":"),
    )
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"confirm\x00" + payload.encode(), hashlib.sha256).hexdigest()[:32]


def is_confirmed(subject: Any) -> bool:
    """Does this POST carry a confirmation of exactly ``subject``?"""
    if request.method != "POST" or request.form.get("confirm") != "yes":
        return False
    given = request.form.get("confirm_token", "")
    return hmac.compare_digest(given.encode(), token_for(subject).encode())


def _fields(confirmation: Confirmation) -> list[tuple[str, str]]:
    out = []
    for name, value in confirmation.fields:
        values = value if isinstance(value, list | tuple | set) else [value]
        out.extend((name, str(v)) for v in values if v is not None)
    return out


def page(confirmation: Confirmation, *, stale: bool = False, status: int = 200):
    """The confirmation page for ``confirmation``."""
    return render_template(
        "confirm.html",
        c=confirmation,
        action_url=url_for(request.endpoint, **(request.view_args or {})),
        hidden_fields=_fields(confirmation),
        token=token_for(confirmation.subject),
        stale=stale,
    ), status


def check(confirmation: Confirmation):
    """``None`` when this request confirms ``confirmation``; otherwise the answer to return."""
    if request.method == "POST":
        if request.form.get("confirm") != "yes":
            query: dict[str, list[str]] = {}
            for name, value in _fields(confirmation):
                query.setdefault(name, []).append(value)
            target = url_for(request.endpoint, **(request.view_args or {}), **query)
            if len(target) > MAX_REDIRECT_URL:
                return page(confirmation)  # a large selection: show the step right here
            return redirect(target, 303)
        if confirmation.blocked is None and is_confirmed(confirmation.subject):
            return None
        if confirmation.blocked is not None:
            return page(confirmation, status=409)
        return page(confirmation, stale=True, status=409)
    return page(confirmation)


def id_list(values: Iterable[str], *, limit: int = 1000) -> list[int]:
    """Parse a selection of ids from a form or query string (``ValueError`` when damaged)."""
    ids: list[int] = []
    for raw in values:
        raw = (raw or "").strip()
        if not raw.isdigit() or len(raw) > 10:
            raise ValueError(raw)
        value = int(raw)
        if value > 2**31 - 1:  # no database row has such an id
            raise ValueError(raw)
        if value not in ids:
            ids.append(value)
    if len(ids) > limit:
        raise ValueError("too many")
    return ids
