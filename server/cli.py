"""The operator's `flask --app server …` commands (operating the system: README.md, docs/operations.md).

``release`` (migrate + form catalogue), ``import-wilayah``, ``create-user``, ``set-target``,
``revoke-tokens`` and ``seed-demo``. Every command is idempotent: running it again with the same
arguments changes nothing (``create-user`` updates the user to what the arguments say). Errors
are one clear message and a nonzero exit status, never a traceback. ``recompute`` is the workers'
own command (`workers/cli.py`, registered as a Flask CLI plugin).
"""
from __future__ import annotations

import re
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select

from domain.indicators import CODES
from server.extensions import db
from server.models import ROLES, AuditLog, DeviceToken, Kecamatan, Kelurahan, Target, User, UserScope
from server.models._types import utcnow

IKU_CODES = CODES  # kept importable for one release; the catalogue is domain.indicators
# IKU1 is on the 25–100 IKM scale, the others are percentages: 0–100 either way.
TARGET_RANGE = (0.0, 100.0)
MIN_PASSWORD_LENGTH = 6


def audit(action: str, target: str | None, **detail: object) -> None:
    """Record an operator's change in the audit log (same transaction; `via: cli`, no user)."""
    db.session.add(AuditLog(user_id=None, action=action, target=target, detail={"via": "cli", **detail}))


# -- release ----------------------------------------------------------------------------------------

@click.command("release")
@with_appcontext
def release_command() -> None:
    """Create or migrate the database and load the default form catalogue (idempotent)."""
    from flask_migrate import upgrade

    from server.forms.catalogue import ensure_default_catalogue

    upgrade()
    ensure_default_catalogue()
    db.session.commit()
    click.echo("Database migrated; form catalogue loaded.")


# -- import-wilayah ---------------------------------------------------------------------------------

@click.command("import-wilayah")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_wilayah_command(file: str) -> None:
    """Import kecamatan, kelurahan and RW from a CSV or XLSX FILE.

    Columns: kecamatan, kode_kelurahan, kelurahan, rw (one row per RW; rw may be left out).
    Running it again with the same file changes nothing.
    """
    from server.wilayah_import import WilayahImportError, import_wilayah_file

    try:
        report = import_wilayah_file(file)
    except WilayahImportError as err:
        db.session.rollback()
        raise click.ClickException(f"{file} was not imported:\n{err}") from None
    if report.changed:
        audit("wilayah.import", None, file=Path(file).name, rows=report.rows, kecamatan_created=report.kecamatan_created,
              kelurahan_created=report.kelurahan_created, rw_created=report.rw_created,
              kelurahan_renamed=report.kelurahan_renamed)
    db.session.commit()
    click.echo(f"Imported {file}: {report.summary()}.")


# -- create-user ------------------------------------------------------------------------------------

def find_kecamatan(name_or_kode: str) -> Kecamatan:
    """The kecamatan with this code (32.73.02) or name (case-insensitive), or a ClickException."""
    wanted = name_or_kode.strip()
    found = db.session.scalar(select(Kecamatan).where(
        (Kecamatan.kode == wanted) | (func.lower(Kecamatan.nama) == wanted.lower())))
    if found is None:
        raise click.ClickException(f"No kecamatan named or coded {wanted!r}; run import-wilayah first.")
    return found


def _default_kecamatan() -> Kecamatan | None:
    """The only kecamatan; None (every kecamatan: a city-level user) when there are several."""
    rows = db.session.scalars(select(Kecamatan).limit(2)).all()
    if not rows:
        raise click.ClickException("No kecamatan yet: run import-wilayah first.")
    return rows[0] if len(rows) == 1 else None


def _scope_kelurahan(codes: tuple[str, ...]) -> list[Kelurahan]:
    from server.wilayah_import import normalize_kode_kelurahan

    found = []
    for code in codes:
        kode = normalize_kode_kelurahan(code) or code.strip()
        kel = db.session.scalar(select(Kelurahan).where(Kelurahan.kode == kode))
        if kel is None:
            raise click.ClickException(f"--scope {code}: no kelurahan with this code.")
        found.append(kel)
    return found


def _resolve_user_kecamatan(kecamatan_option: str | None, scope: list[Kelurahan]) -> Kecamatan | None:
    """--kecamatan if given, else the kecamatan of the --scope kelurahan, else the only one.

    With several kecamatan and neither option, the user covers every kecamatan (city level).
    """
    if kecamatan_option:
        kecamatan = find_kecamatan(kecamatan_option)
    elif scope:
        kecamatan = db.session.get(Kecamatan, scope[0].kecamatan_id)
    else:
        return _default_kecamatan()
    strangers = [kel.kode for kel in scope if kel.kecamatan_id != kecamatan.id]
    if strangers:
        raise click.ClickException(f"--scope {', '.join(strangers)}: not in kecamatan {kecamatan.nama}.")
    return kecamatan


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the user does.")
@click.option("--password", default=None, help="Required for a new user; on an existing one, changes it.")
@click.option("--scope", "scope_codes", multiple=True, metavar="KODE_KELURAHAN",
              help="A kelurahan the user works in (repeat for more); none: the whole kecamatan.")
@click.option("--name", default=None, help="Full name (default: the username).")
@click.option("--kecamatan", "kecamatan_option", default=None, metavar="NAMA_OR_KODE",
              help="With several kecamatan and no --scope: which one (else the user covers every kecamatan).")
@with_appcontext
def create_user_command(username: str, role: str, password: str | None, scope_codes: tuple[str, ...],
                        name: str | None, kecamatan_option: str | None) -> None:
    """Create the user USERNAME, or update it to what the options say (scope is replaced)."""
    from server.security import hash_password

    username = username.strip()
    if not re.fullmatch(r"[A-Za-z0-9_.@-]{1,80}", username):
        raise click.ClickException("USERNAME: 1–80 letters, digits or _ . @ -")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(f"--password: at least {MIN_PASSWORD_LENGTH} characters.")
    scope = _scope_kelurahan(scope_codes)
    kecamatan = _resolve_user_kecamatan(kecamatan_option, scope)
    kecamatan_id = kecamatan.id if kecamatan else None

    user = db.session.scalar(select(User).where(User.username == username))
    created = user is None
    if created:
        if password is None:
            raise click.ClickException("--password is required for a new user.")
        user = User(username=username, name=name or username, role=role, password_hash=hash_password(password),
                    kecamatan_id=kecamatan_id, active=True)
        db.session.add(user)
        db.session.flush()
    else:
        user.role, user.kecamatan_id, user.active = role, kecamatan_id, True
        if name:
            user.name = name
        if password is not None:
            user.password_hash = hash_password(password)
    wanted = {kel.id for kel in scope}
    have = set(db.session.scalars(select(UserScope.kelurahan_id).where(UserScope.user_id == user.id)))
    for kelurahan_id in have - wanted:
        db.session.delete(db.session.get(UserScope, (user.id, kelurahan_id)))
    for kelurahan_id in wanted - have:
        db.session.add(UserScope(user_id=user.id, kelurahan_id=kelurahan_id))
    audit("user.create" if created else "user.update", f"user:{user.id}", username=username, role=role,
          kecamatan_id=kecamatan_id, scope=sorted(kel.kode for kel in scope), password_changed=password is not None)
    db.session.commit()
    if scope:
        where = ", ".join(kel.nama for kel in scope)
    else:
        where = f"all of Kecamatan {kecamatan.nama}" if kecamatan else "every kecamatan: pass --kecamatan to restrict"
    click.echo(f"{'Created' if created else 'Updated'} {role} {username} ({where}).")


# -- set-target -------------------------------------------------------------------------------------

def _mark_stale(pairs: set[tuple[int, int]]) -> None:
    """Queue a recompute of these (kecamatan_id, year) pairs through the scoring outbox."""
    from server import jobs

    jobs.mark_stale(db.session, pairs)


@click.command("set-target")
@click.argument("iku_code")
@click.argument("year", type=click.IntRange(2000, 2100))
@click.argument("value", type=float)
@click.option("--kecamatan", "kecamatan_option", default=None, metavar="NAMA_OR_KODE",
              help="Only this kecamatan (default: every kecamatan without its own target).")
@with_appcontext
def set_target_command(iku_code: str, year: int, value: float, kecamatan_option: str | None) -> None:
    """Set the YEAR target of IKU_CODE (IKU1…IKU6) to VALUE; the year's scores are recomputed."""
    from server import jobs

    code = iku_code.strip().upper()
    if code not in IKU_CODES:
        raise click.BadParameter(f"{iku_code!r} is not one of {', '.join(IKU_CODES)}.", param_hint="IKU_CODE")
    low, high = TARGET_RANGE
    if not low <= value <= high:
        raise click.BadParameter(f"{value:g} is outside {low:g}–{high:g}.", param_hint="VALUE")
    kecamatan = find_kecamatan(kecamatan_option) if kecamatan_option else None
    kecamatan_id = kecamatan.id if kecamatan else 0
    target = db.session.scalar(select(Target).where(Target.code == code, Target.year == year,
                                                    Target.kecamatan_id == kecamatan_id))
    if target is not None and target.value == value:
        click.echo(f"{code} {year} target is already {value:g}.")
        return
    previous = None if target is None else target.value
    if target is None:
        db.session.add(Target(code=code, year=year, kecamatan_id=kecamatan_id, value=value))
    else:
        target.value = value
    affected = [kecamatan_id] if kecamatan else list(db.session.scalars(select(Kecamatan.id)))
    _mark_stale({(k, year) for k in affected})  # capaian depends on the target
    audit("target.set", f"target:{code}:{year}:{kecamatan_id}", value=value, previous=previous)
    db.session.commit()
    jobs.after_commit_kick()
    click.echo(f"{code} {year} target set to {value:g} ({kecamatan.nama if kecamatan else 'every kecamatan'}).")
    if kecamatan is None:
        own = db.session.execute(select(Kecamatan.nama, Target.value).join(Target, Target.kecamatan_id == Kecamatan.id)
                                 .where(Target.code == code, Target.year == year)).all()
        for nama, own_value in own:
            click.echo(f"Note: Kecamatan {nama} keeps its own target {own_value:g} (change it with --kecamatan).")


# -- revoke-tokens ----------------------------------------------------------------------------------

@click.command("revoke-tokens")
@click.argument("username")
@with_appcontext
def revoke_tokens_command(username: str) -> None:
    """Revoke every device token of USERNAME (a lost phone); they are refused from the next request on."""
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    tokens = db.session.scalars(select(DeviceToken).where(DeviceToken.user_id == user.id,
                                                          DeviceToken.revoked_at.is_(None))).all()
    now = utcnow()
    for token in tokens:
        token.revoked_at = now
    audit("user.revoke_tokens", f"user:{user.id}", username=user.username, revoked=len(tokens))
    db.session.commit()
    click.echo(f"Revoked {len(tokens)} token(s) of {user.username}.")


# -- seed-demo --------------------------------------------------------------------------------------

@click.command("seed-demo")
@click.option("--seed", default=20260101, show_default=True, help="Random seed (the demo is deterministic).")
@click.option("--recompute/--no-recompute", default=True, show_default=True,
              help="Compute the scores right away (when the workers' recompute is installed).")
@click.pass_context
@with_appcontext
def seed_demo_command(ctx: click.Context, seed: int, recompute: bool) -> None:
    """Load the demo: Kecamatan Coblong, its users (password demo123) and a year of submissions."""
    from server.demo import DemoSeedError, seed_demo

    try:
        report = seed_demo(seed=seed)
    except DemoSeedError as err:
        raise click.ClickException(str(err)) from None
    for line in report.lines():
        click.echo(line)
    if recompute and report.changed:
        _invoke_by_name(ctx, "recompute")


def _invoke_by_name(ctx: click.Context, name: str) -> None:
    """Run a sibling command found by name (``recompute`` is the workers' plugin: never imported here)."""
    root = ctx.find_root()
    command = root.command.get_command(root, name) if isinstance(root.command, click.Group) else None
    if command is None:
        click.echo(f"Scores not computed: `{name}` is not installed (run `flask --app server {name}` later).")
        return
    ctx.invoke(command)


COMMANDS = (release_command, import_wilayah_command, create_user_command, set_target_command,
            revoke_tokens_command, seed_demo_command)


def init_app(app: Flask) -> None:
    """Register the commands on the app's CLI."""
    from server.xlsform.cli import import_form_command

    for command in (*COMMANDS, import_form_command):
        app.cli.add_command(command)
