"""Who may see which admin page, and the one place scope checks live.

Roles: ``kecamatan_admin`` sees and manages everything in its kecamatan;
``kelurahan_admin`` sees only its kelurahan, on every page, drill-down, photo and export;
``officer`` and ``kiosk`` are refused with a page that sends them to the field app at /app/.
A kecamatan_admin with no kecamatan (a city-level admin) picks the kecamatan with ``?kecamatan_id``.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Select, select

from server.extensions import db
from server.params import MAX_ID, bounded_int, optional_id
from server.models import Kecamatan, Kelurahan, Submission, User
from server.security import ADMIN_ROLES, Scope, scope_of


def refused_page():
    """The 403 page for roles that have no admin pages (officer, kiosk) or no right to this one."""
    return render_template("admin/forbidden.html"), 403


def admin_required(view: Callable) -> Callable:
    """Decorate a view: log in first (redirect), then admins only (403 page for everyone else)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("admin.login", next=request.full_path if request.method == "GET" else None))
        if current_user.role not in ADMIN_ROLES:
            return refused_page()
        return view(*args, **kwargs)

    return wrapped


def manager_required(view: Callable) -> Callable:
    """Decorate a management view: kecamatan admins of a whole kecamatan only."""

    @wraps(view)
    @admin_required
    def wrapped(*args, **kwargs):
        if current_user.role != "kecamatan_admin" or not admin_scope().whole_kecamatan:
            return refused_page()
        return view(*args, **kwargs)

    return wrapped


def admin_scope() -> Scope:
    """The logged-in admin's scope (cached per request)."""
    if "admin_scope" not in g:
        g.admin_scope = scope_of(current_user._get_current_object())
    return g.admin_scope


def current_admin() -> User:
    """The logged-in user object."""
    return current_user._get_current_object()


def active_kecamatan() -> Kecamatan:
    """The kecamatan the pages show: the user's own, or (city admin) the one picked, else the first."""
    scope = admin_scope()
    kecamatan_id = scope.kecamatan_id
    if kecamatan_id is None:
        kecamatan_id = optional_id("kecamatan_id")
    if kecamatan_id is None and scope.kelurahan_ids:
        kecamatan_id = db.session.scalar(select(Kelurahan.kecamatan_id).where(Kelurahan.id.in_(scope.kelurahan_ids)))
    kecamatan = db.session.get(Kecamatan, kecamatan_id) if kecamatan_id is not None else None
    if kecamatan is None:
        kecamatan = db.session.scalar(select(Kecamatan).order_by(Kecamatan.nama).limit(1))
    if kecamatan is None:
        abort(404, "Belum ada wilayah: impor wilayah dulu.")
    return kecamatan


def visible_kelurahan(kecamatan_id: int) -> list[Kelurahan]:
    """The kelurahan of the kecamatan that the admin may see, by code (cached per request)."""
    cache = g.setdefault("admin_visible_kelurahan", {})
    if kecamatan_id not in cache:
        cache[kecamatan_id] = _load_visible_kelurahan(kecamatan_id)
    return cache[kecamatan_id]


def _load_visible_kelurahan(kecamatan_id: int) -> list[Kelurahan]:
    scope = admin_scope()
    stmt = select(Kelurahan).where(Kelurahan.kecamatan_id == kecamatan_id).order_by(Kelurahan.kode)
    if scope.kelurahan_ids is not None:
        stmt = stmt.where(Kelurahan.id.in_(scope.kelurahan_ids))
    return list(db.session.scalars(stmt))


def chosen_kelurahan_id(kecamatan_id: int) -> int:
    """The scope the pages show: 0 (whole kecamatan) or a kelurahan id the admin may see.

    A kelurahan admin never gets 0: their default is their first kelurahan, and a kelurahan
    outside their scope in the query string is refused (404, as if it did not exist).
    """
    scope = admin_scope()
    wanted = bounded_int("kelurahan_id", None, 0, MAX_ID)
    if wanted in (None, 0):
        if scope.whole_kecamatan:
            return 0
        first = visible_kelurahan(kecamatan_id)
        if not first:
            abort(404)
        return first[0].id
    if wanted not in {k.id for k in visible_kelurahan(kecamatan_id)}:
        abort(404)
    return wanted


def scope_submissions(stmt: Select, kecamatan_id: int) -> Select:
    """Restrict a select over Submission to the admin's scope within the kecamatan."""
    scope = admin_scope()
    stmt = stmt.where(Submission.kecamatan_id == kecamatan_id)
    if scope.kelurahan_ids is not None:
        stmt = stmt.where(Submission.kelurahan_id.in_(scope.kelurahan_ids))
    return stmt


def may_see_submission(submission: Submission) -> bool:
    """True when the submission lies within the admin's scope."""
    scope = admin_scope()
    if submission.kelurahan_id is not None:
        return scope.allows_kelurahan(submission.kelurahan_id, submission.kecamatan_id)
    if submission.kecamatan_id is None:
        return False
    return scope.allows_kecamatan(submission.kecamatan_id)
