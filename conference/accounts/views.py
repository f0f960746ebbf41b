"""Account pages: login and logout (sign-up, verification, reset and profile below)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from conference.accounts import bp, services
from conference.accounts.forms import LoginForm
from conference.db import utcnow
from conference.extensions import db, limiter
from conference.urls import safe_next

NEUTRAL_LOGIN_ERROR = "The e-mail address or password is not correct."


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    next_url = safe_next(request.values.get("next"))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            flash(NEUTRAL_LOGIN_ERROR, "error")
            return render_template("accounts/login.html", form=form, next=next_url), 200
        # A fresh session on login: nothing from before survives (no session fixation).
        session.clear()
        user.last_login_at = utcnow()
        db.session.commit()
        login_user(user)
        flash("You are logged in.", "success")
        return redirect(next_url)
    return render_template("accounts/login.html", form=form, next=next_url)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.rotate_session(current_user)
        db.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out.", "success")
    return redirect(url_for("editions.home"))
