"""Log in and out of the admin pages (cookie session, CSRF-protected form), and switch language."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from server.admin import audit
from server.admin.access import refused_page
from server.admin.blueprint import bp
from server.admin.i18n import LANGUAGES, translate
from server.extensions import db
from server.models import User
from server.security import ADMIN_ROLES, check_password


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site under /admin/."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/admin"):
            return target
    return url_for("admin.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form (`Nama pengguna`, `Kata sandi`, `Masuk`) and log an admin in."""
    if request.method == "GET" and current_user.is_authenticated and current_user.role in ADMIN_ROLES:
        return redirect(url_for("admin.dashboard"))
    error = None
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        user = db.session.scalar(select(User).where(User.username == username))
        if not check_password(user, request.form.get("password") or ""):
            error = translate("Nama pengguna atau kata sandi salah.")
        elif user.role not in ADMIN_ROLES:
            return refused_page()
        else:
            session.clear()  # a fresh session on login (no fixation); keep nothing from before
            login_user(user)
            audit.record("login", f"user:{user.id}")
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    status = 401 if error else 200
    return render_template("admin/login.html", error=error), status


@bp.post("/logout")
def logout():
    """Log out (POST, with CSRF) and return to the login page."""
    if current_user.is_authenticated:
        audit.record("logout", f"user:{current_user.id}")
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
