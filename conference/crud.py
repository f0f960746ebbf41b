"""The organisers' small lists (rooms, tracks, session types, accreditation categories,
submission types) all edit a row the same way: a form page, then save and commit, or delete
after a confirmation. These two helpers hold that flow once; each view still says what its
page shows, which service saves or deletes, and what the person is told.

A ``DomainError`` from the service is rolled back; the view's ``refused`` says how it is
answered (a flash and the page again by default for forms; for deletions, without
``refused`` the app's error page answers it, as for any view).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, request

from conference import confirm
from conference.confirm import Confirmation
from conference.errors import DomainError
from conference.extensions import db


def _flash_refusal(exc: DomainError) -> int:
    flash(exc.message, "error")
    return exc.status_code


def save_form(
    form,
    *,
    page: Callable[..., Any],
    save: Callable[[], Any],
    message: Callable[[Any], str],
    done: str,
    code: int = 302,
    refused: Callable[[DomainError], int] = _flash_refusal,
):
    """GET shows ``page()``; POST validates (400), saves, commits, flashes ``message(saved)``
    and redirects to ``done``. ``page(status=…)`` shows the form again with its errors;
    ``refused(exc)`` records a service's refusal (on the form or as a flash) and returns the
    status of that page."""
    if request.method != "POST":
        return page()
    if not form.validate():
        return page(status=400)
    try:
        saved = save()
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return page(status=refused(exc))
    flash(message(saved), "success")
    return redirect(done, code)


def confirm_delete(
    confirmation: Confirmation,
    *,
    delete: Callable[[], Any],
    message: str,
    done: str,
    code: int = 302,
    refused: Callable[[DomainError], Any] | None = None,
):
    """Ask ``confirmation`` first (``confirm.check``); once confirmed, delete, commit, flash
    ``message`` and redirect to ``done``. ``refused(exc)`` answers a service's refusal."""
    step = confirm.check(confirmation)
    if step is not None:
        return step
    try:
        delete()
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        if refused is None:
            raise
        return refused(exc)
    flash(message, "success")
    return redirect(done, code)
