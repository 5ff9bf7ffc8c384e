"""Management, part 1 (kecamatan admins only): users with their role and scope, device tokens."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from server.admin import audit_trail
from server.admin.access import active_kecamatan, current_admin, manager_required, visible_kelurahan
from server.admin.blueprint import bp
from server.admin.i18n import translate
from server.extensions import db
from server.models import ROLES, DeviceToken, User, UserScope
from server.models._types import utcnow
from server.security import hash_password

MIN_PASSWORD = 8


@bp.get("/kelola")
@manager_required
def manage_index():
    """The management menu."""
    return render_template("admin/manage_index.html")


def _user_in_kecamatan(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.kecamatan_id != active_kecamatan().id:
        abort(404)
    return user


@bp.get("/kelola/pengguna")
@manager_required
def users():
    """List the kecamatan's users with their role, scope and state."""
    kecamatan = active_kecamatan()
    people = list(db.session.scalars(select(User).where(User.kecamatan_id == kecamatan.id).order_by(User.username)))
    kel = {k.id: k.nama for k in visible_kelurahan(kecamatan.id)}
    return render_template("admin/users.html", people=people, kel=kel)


def _save_user(user: User | None) -> tuple[User | None, list[str]]:
    """Create or update a user from the posted form; return the user and the errors."""
    kecamatan = active_kecamatan()
    form = request.form
    errors: list[str] = []
    username = (form.get("username") or "").strip()
    name = (form.get("name") or "").strip()
    role = form.get("role") or ""
    password = form.get("password") or ""
    allowed_kel = {k.id for k in visible_kelurahan(kecamatan.id)}
    scope_ids = {int(v) for v in form.getlist("scope") if v.isdigit()}
    if role not in ROLES:
        errors.append("Peran tidak dikenal.")
    if not name:
        errors.append("Nama wajib diisi.")
    if user is None:
        if not username or len(username) > 80:
            errors.append("Nama pengguna wajib diisi.")
        elif db.session.scalar(select(User.id).where(User.username == username)) is not None:
            errors.append("Nama pengguna sudah dipakai.")
        if len(password) < MIN_PASSWORD:
            errors.append(f"Kata sandi minimal {MIN_PASSWORD} karakter.")
    elif password and len(password) < MIN_PASSWORD:
        errors.append(f"Kata sandi minimal {MIN_PASSWORD} karakter.")
    if not scope_ids <= allowed_kel:
        errors.append("Kelurahan di luar kecamatan.")
    if role == "kelurahan_admin" and not scope_ids:
        errors.append("Admin kelurahan wajib diberi kelurahan.")
    if user is not None and user.id == current_admin().id and role != "kecamatan_admin":
        errors.append("Anda tidak dapat menurunkan peran Anda sendiri.")
    if errors:
        return user, errors
    if user is None:
        user = User(username=username, kecamatan_id=kecamatan.id, password_hash=hash_password(password))
        db.session.add(user)
    elif password:
        user.password_hash = hash_password(password)
    user.name, user.role = name, role
    db.session.flush()
    db.session.query(UserScope).filter(UserScope.user_id == user.id).delete()
    for kel_id in sorted(scope_ids):
        db.session.add(UserScope(user_id=user.id, kelurahan_id=kel_id))
    return user, []


@bp.route("/kelola/pengguna/baru", methods=["GET", "POST"])
@bp.route("/kelola/pengguna/<int:user_id>", methods=["GET", "POST"])
@manager_required
def user_edit(user_id: int | None = None):
    """Create a user, or edit one's name, role, scope and password."""
    user = _user_in_kecamatan(user_id) if user_id is not None else None
    errors: list[str] = []
    if request.method == "POST":
        saved, errors = _save_user(user)
        if not errors:
            audit_trail.record("user.create" if user is None else "user.update", f"user:{saved.id}",
                               username=saved.username, role=saved.role,
                               scope=sorted(int(v) for v in request.form.getlist("scope") if v.isdigit()),
                               password_changed=bool(request.form.get("password")))
            db.session.commit()
            flash(translate("Tersimpan."), "ok")
            return redirect(url_for("admin.users"), 303)
        db.session.rollback()
    scope_ids = {s.kelurahan_id for s in user.scopes} if user else set()
    return render_template("admin/user_edit.html", user=user, roles=ROLES, errors=errors, scope_ids=scope_ids,
                           kelurahan=visible_kelurahan(active_kecamatan().id)), (422 if errors else 200)


@bp.post("/kelola/pengguna/<int:user_id>/aktif")
@manager_required
def user_toggle(user_id: int):
    """Deactivate (or reactivate) a user; deactivation also revokes their device tokens."""
    user = _user_in_kecamatan(user_id)
    if user.id == current_admin().id:
        flash(translate("Anda tidak dapat menonaktifkan diri sendiri."), "error")
        return redirect(url_for("admin.users"), 303)
    user.active = not user.active
    if not user.active:
        now = utcnow()
        for token in db.session.scalars(select(DeviceToken).where(DeviceToken.user_id == user.id,
                                                                   DeviceToken.revoked_at.is_(None))):
            token.revoked_at = now
    audit_trail.record("user.activate" if user.active else "user.deactivate", f"user:{user.id}", username=user.username)
    db.session.commit()
    flash(translate("Tersimpan."), "ok")
    return redirect(url_for("admin.users"), 303)


@bp.get("/kelola/perangkat")
@manager_required
def devices():
    """List the device tokens of the kecamatan's users (newest first)."""
    kecamatan = active_kecamatan()
    rows = db.session.execute(
        select(DeviceToken, User.username, User.name).join(User, User.id == DeviceToken.user_id)
        .where(User.kecamatan_id == kecamatan.id).order_by(DeviceToken.created_at.desc()).limit(1000)).all()
    return render_template("admin/devices.html", rows=rows)


@bp.post("/kelola/perangkat/<int:token_id>/cabut")
@manager_required
def device_revoke(token_id: int):
    """Revoke a device token: the device must log in again."""
    token = db.session.get(DeviceToken, token_id)
    if token is None or token.user.kecamatan_id != active_kecamatan().id:
        abort(404)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit_trail.record("device.revoke", f"device_token:{token.id}", username=token.user.username,
                           device=token.device)
        db.session.commit()
    flash(translate("Tersimpan."), "ok")
    return redirect(url_for("admin.devices"), 303)
