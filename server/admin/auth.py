"""Log in and out of the admin pages (cookie session, CSRF-protected form), and switch language.

Logging out ends every session and token of the user (a shared office PC must leave no way back in);
a session also ends on its own (idle timeout, office-day lifetime: :mod:`server.security`). Wrong
passwords count against the address and the username, together with the device login
(:mod:`server.login_guard`).
"""
from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from server import login_guard
from server.admin import audit_trail
from server.admin.access import refused_page
from server.admin.blueprint import bp
from server.admin.i18n import LANGUAGES, translate
from server.errors import ApiError, wants_json
from server.extensions import db
from server.models import User
from server.params import safe_next, storable
from server.security import ADMIN_ROLES, check_password, end_all_sessions, start_session


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site under /admin/ (else the dashboard)."""
    return safe_next(target, "/admin") or url_for("admin.dashboard")


def _too_many(err: ApiError):
    """The 429 of the login form: the page with the message (JSON clients get the error shape)."""
    if wants_json():
        raise err
    return render_template("admin/login.html", error=err.description), 429, err.extra_headers


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form (`Nama pengguna`, `Kata sandi`, `Masuk`) and log an admin in."""
    if request.method == "GET" and current_user.is_authenticated and current_user.role in ADMIN_ROLES:
        return redirect(url_for("admin.dashboard"))
    error = None
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        try:
            login_guard.check(username)
        except ApiError as err:
            return _too_many(err)
        user = db.session.scalar(select(User).where(User.username == username)) if len(username) <= 80 and storable(username) else None
        password = request.form.get("password") or ""
        if not check_password(user, password if storable(password) else ""):
            login_guard.failed(username)
            error = translate("Nama pengguna atau kata sandi salah.")
        elif user.role not in ADMIN_ROLES:
            return refused_page()
        else:
            session.clear()  # a fresh session on login (no fixation); keep nothing from before
            login_user(user)
            start_session(user)
            audit_trail.record("login", f"user:{user.id}")
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    status = 401 if error else 200
    return render_template("admin/login.html", error=error), status


@bp.post("/logout")
def logout():
    """Log out (POST, with CSRF) and return to the login page."""
    if current_user.is_authenticated:
        end_all_sessions(current_user._get_current_object())  # every browser and device of this user
        audit_trail.record("logout", f"user:{current_user.id}")
        db.session.commit()
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("admin.login"))


@bp.post("/bahasa")
def set_language():
    """Switch the page language (kept in the session) and go back where the user was."""
    lang = request.form.get("lang", "id")
    session["lang"] = lang if lang in LANGUAGES else "id"
    return redirect(_safe_next(request.form.get("next")))
