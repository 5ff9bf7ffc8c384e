"""Management, part 2 (kecamatan admins only): yearly targets, the service-type catalogue, rule-set
versions (with report due days) and holidays. Every change is audited and marks the affected
scores stale, so the workers recompute them.

Reference data is versioned like rule sets: an SOP edit is a new version of the service type in
force from its "Berlaku mulai" date (services are judged by the SOP in force on the day they were
received), so it never rewrites a period before that date. When an edit — an SOP from a past
date, or a holiday in a past quarter — would change a period already closed (one that started
before the current quarter), the page names those periods and asks for a confirmation first."""
from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from domain.periods import Period
from server.admin import audit_trail
from server.admin.access import active_kecamatan, current_admin, manager_required
from server.admin.blueprint import bp
from server.admin.context import current_year, valid_period
from server.admin.formatting import local_zone
from server.admin.i18n import translate
from server.admin.review import kick_scoring, mark_stale
from server.extensions import db
from server.params import bounded_int
from server.forms.catalogue import registry
from server.models import Holiday, Kecamatan, RuleSetVersion, ServiceType, Target
from server.models.forms import ServiceTypeVersion
from server.periods import EARLIEST_DATE, in_window, window_message
from server.reports.iku_meta import CRITERIA, IKU_CODES, IKU_META

# The scoring's built-in rule set (docs/scoring.md): shown when no version is stored yet.
DEFAULT_RULES = {"mutu_a": 88.31, "mutu_b": 76.61, "mutu_c": 65.0, "k6_min_ikm": 76.61, "report_due_days": 10,
                 "baik_criteria": list(CRITERIA), "lower_is_better": []}
SOP_UNITS = ("minutes", "working_days")
GROUPS = ("adminduk", "umum")


def _float(text: str | None) -> float | None:
    """Parse a number written either way (``42,5`` or ``42.5``); None when empty or not a number."""
    if text is None or not text.strip():
        return None
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return None


def _done(endpoint: str, **values):
    db.session.commit()
    kick_scoring()
    flash(translate("Tersimpan."), "ok")
    return redirect(url_for(endpoint, **values), 303)


# -- targets -----------------------------------------------------------------------------------------

@bp.route("/kelola/target", methods=["GET", "POST"])
@manager_required
def targets():
    """Set the year's target of each IKU for the kecamatan."""
    kecamatan = active_kecamatan()
    year = bounded_int("year", current_year(), 2000, 2100, source=request.values)
    errors: list[str] = []
    if request.method == "POST":
        changes = {}
        for code in IKU_CODES:
            raw = request.form.get(code, "")
            value = _float(raw)
            if raw.strip() and (value is None or value < 0):
                errors.append(f"{code}: angka tidak valid.")
            elif value is not None:
                changes[code] = value
        if not errors:
            existing = {t.code: t for t in db.session.scalars(
                select(Target).where(Target.year == year, Target.kecamatan_id == kecamatan.id))}
            for code, value in changes.items():
                if code in existing:
                    existing[code].value = value
                else:
                    db.session.add(Target(code=code, year=year, kecamatan_id=kecamatan.id, value=value))
            audit_trail.record("target.set", f"kecamatan:{kecamatan.id}", year=year, targets=changes)
            mark_stale({(kecamatan.id, year)})
            return _done("admin.targets", year=year)
    rows = db.session.execute(select(Target.code, Target.kecamatan_id, Target.value)
                              .where(Target.year == year, Target.kecamatan_id.in_((0, kecamatan.id)))
                              .order_by(Target.kecamatan_id)).all()
    values = {code: value for code, _kec, value in rows}
    return render_template("admin/targets.html", year=year, values=values, metas=IKU_META, errors=errors), (
        422 if errors else 200)


# -- service types -----------------------------------------------------------------------------------

def _service_type_from_form(form) -> tuple[dict, list[str]]:
    errors = []
    data = {"name": (form.get("name") or "").strip(), "group": form.get("group"), "section": (form.get("section") or "").strip(),
            "sop_unit": form.get("sop_unit"), "active": form.get("active") == "on"}
    sop = form.get("sop_value", "")
    data["sop_value"] = int(sop) if sop.isdigit() else None
    if not data["name"] or not data["section"]:
        errors.append("Nama dan seksi wajib diisi.")
    if data["group"] not in GROUPS:
        errors.append("Kelompok tidak dikenal.")
    if data["sop_unit"] not in SOP_UNITS:
        errors.append("Satuan SOP tidak dikenal.")
    if not data["sop_value"] or data["sop_value"] <= 0:
        errors.append("Durasi SOP wajib angka > 0.")
    return data, errors


_VERSIONED = ("name", "group", "section", "sop_value", "sop_unit")


def _today() -> dt.date:
    return dt.datetime.now(local_zone()).date()


def closed_quarters_from(day: dt.date, today: dt.date, until: dt.date | None = None) -> list[str]:
    """The closed quarters (started before the current one) from the quarter of ``day`` on
    (to the quarter of ``until``, default: the last closed one)."""
    current_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    year, quarter = day.year, (day.month - 1) // 3 + 1
    last = until or today
    out = []
    while dt.date(year, 3 * quarter - 2, 1) < current_start and dt.date(year, 3 * quarter - 2, 1) <= last:
        out.append(f"{year}-Q{quarter}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return out


def touched_message(periods: list[str]) -> str:
    """The Indonesian confirmation question naming the closed periods an edit changes."""
    shown = periods if len(periods) <= 8 else [*periods[:3], "…", *periods[-3:]]
    return (f"Perubahan ini mengubah skor periode yang sudah ditutup: {', '.join(shown)}. "
            "Centang konfirmasi untuk menghitung ulang periode tersebut.")


def _effective_from(form, errors: list[str]) -> dt.date:
    raw = (form.get("effective_from") or "").strip()
    if not raw:
        return _today()
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        errors.append("Berlaku mulai: tanggal tidak valid (YYYY-MM-DD).")
        return _today()
    if not in_window(day):
        errors.append("Berlaku mulai: " + window_message())
    return day


def save_service_type_version(code: str, data: dict, effective_from: dt.date) -> bool:
    """Record the SOP as a new version in force from ``effective_from``; True when it changed.

    The first edit of a type with no stored version first records what it was (in force since
    the start of the date window), so the periods before ``effective_from`` keep their SOP.
    """
    existing = db.session.get(ServiceType, code)
    if existing is not None and all(getattr(existing, key) == data[key] for key in _VERSIONED):
        return False
    has_versions = db.session.scalar(select(func.count()).select_from(ServiceTypeVersion)
                                     .where(ServiceTypeVersion.code == code))
    if existing is not None and not has_versions:
        db.session.add(ServiceTypeVersion(code=code, effective_from=EARLIEST_DATE,
                                          **{key: getattr(existing, key) for key in _VERSIONED}))
    db.session.add(ServiceTypeVersion(code=code, effective_from=effective_from if existing is not None else EARLIEST_DATE,
                                      **{key: data[key] for key in _VERSIONED}))
    return True


@bp.route("/kelola/layanan", methods=["GET", "POST"])
@manager_required
def service_types():
    """List and edit the service-type catalogue (SOP durations decide IKU3/IKU4), versioned by date."""
    errors: list[str] = []
    pending: dict | None = None
    if request.method == "POST":
        code = (request.form.get("code") or "").strip().lower()
        data, errors = _service_type_from_form(request.form)
        if not code or len(code) > 40 or not code.replace("-", "").isalnum():
            errors.append("Kode wajib huruf kecil, angka dan tanda hubung.")
        effective_from = _effective_from(request.form, errors)
        existing = db.session.get(ServiceType, code) if not errors else None
        sop_changes = existing is not None and any(getattr(existing, k) != data[k] for k in _VERSIONED)
        touched = closed_quarters_from(effective_from, _today()) if sop_changes else []
        if not errors and touched and request.form.get("confirm_past") != "on":
            errors.append(touched_message(touched))
            pending = {"code": code, **data, "effective_from": effective_from.isoformat()}
        if not errors:
            save_service_type_version(code, data, effective_from)
            if existing is None:
                db.session.add(ServiceType(code=code, **data))
            else:
                for key, value in data.items():
                    setattr(existing, key, value)
            audit_trail.record("service_type.save", f"service_type:{code}", **data,
                               effective_from=effective_from.isoformat(), confirmed_past=bool(touched))
            db.session.flush()
            registry.invalidate()
            _mark_all_kecamatan_stale(min(effective_from.year, current_year()))
            return _done("admin.service_types")
    rows = list(db.session.scalars(select(ServiceType).order_by(ServiceType.group, ServiceType.code)))
    history = list(db.session.scalars(select(ServiceTypeVersion)
                                      .order_by(ServiceTypeVersion.code, ServiceTypeVersion.effective_from.desc(),
                                                ServiceTypeVersion.id.desc())))
    return render_template("admin/service_types.html", rows=rows, groups=GROUPS, units=SOP_UNITS, errors=errors,
                           history=history, pending=pending, today=_today().isoformat()), (422 if errors else 200)


def _mark_all_kecamatan_stale(from_year: int) -> None:
    """A catalogue or rule change touches every kecamatan: mark their years from `from_year` stale."""
    this_year = current_year()
    ids = db.session.scalars(select(Kecamatan.id)).all()
    pairs = {(k, y) for k in ids for y in range(max(from_year, this_year - 5), this_year + 1)}
    if pairs:
        mark_stale(pairs)


# -- rule sets ---------------------------------------------------------------------------------------

def period_start(period: str) -> dt.date:
    """The first day of ``2026`` or ``2026-Q3``."""
    return Period.parse(period).start


def is_closed(period: str, today: dt.date) -> bool:
    """True when the period starts before the current quarter: its scores may already be reported."""
    return period_start(period) < Period.of_day(today).start


def _rules_from_form(form, base: dict) -> tuple[dict, list[str]]:
    errors = []
    rules = dict(base)
    for key in ("mutu_a", "mutu_b", "mutu_c", "k6_min_ikm"):
        value = _float(form.get(key))
        if value is None or not 0 <= value <= 100:
            errors.append(f"{key}: angka 0–100.")
        rules[key] = value
    due = form.get("report_due_days", "")
    if not due.isdigit() or int(due) > 365:
        errors.append("report_due_days: bilangan bulat 0–365.")
    else:
        rules["report_due_days"] = int(due)
    if not errors and not rules["mutu_a"] >= rules["mutu_b"] >= rules["mutu_c"]:
        errors.append("Batas mutu harus A ≥ B ≥ C.")
    rules["baik_criteria"] = [k for k in CRITERIA if form.get(f"crit_{k}") == "on"]
    if not rules["baik_criteria"]:
        errors.append("Pilih minimal satu kriteria.")
    rules["lower_is_better"] = [c for c in IKU_CODES if form.get(f"lower_{c}") == "on"]
    return rules, errors


@bp.route("/kelola/aturan", methods=["GET", "POST"])
@manager_required
def rules():
    """List rule-set versions; add a new version effective from a period (past periods need a confirmation)."""
    latest = db.session.scalar(select(RuleSetVersion).order_by(RuleSetVersion.version.desc()).limit(1))
    base = {**DEFAULT_RULES, **(latest.rules if latest else {})}
    base.pop("version", None)
    base.pop("effective_from", None)
    errors: list[str] = []
    needs_confirm = False
    if request.method == "POST":
        effective_from = (request.form.get("effective_from") or "").strip()
        new_rules, errors = _rules_from_form(request.form, base)
        if not valid_period(effective_from):
            errors.append("Berlaku mulai: periode seperti 2027 atau 2027-Q1.")
        elif is_closed(effective_from, dt.datetime.now(local_zone()).date()) and request.form.get("confirm_past") != "on":
            needs_confirm = True
            errors.append("Periode ini sudah berjalan atau ditutup: skor periode itu akan dihitung ulang. "
                          "Centang konfirmasi untuk melanjutkan.")
        if not errors:
            version = (db.session.scalar(select(func.max(RuleSetVersion.version))) or 0) + 1
            db.session.add(RuleSetVersion(version=version, effective_from=effective_from, rules=new_rules,
                                          created_by=current_admin().id))
            audit_trail.record("rules.create", f"rule_set:{version}", effective_from=effective_from, rules=new_rules,
                               confirmed_past=request.form.get("confirm_past") == "on")
            _mark_all_kecamatan_stale(int(effective_from[:4]))
            return _done("admin.rules")
        base = {**base, **{k: v for k, v in new_rules.items() if v is not None}}
    versions = list(db.session.scalars(select(RuleSetVersion).order_by(RuleSetVersion.version.desc())))
    return render_template("admin/rules.html", versions=versions, base=base, criteria=CRITERIA, codes=IKU_CODES,
                           errors=errors, needs_confirm=needs_confirm,
                           effective_from=request.form.get("effective_from", str(current_year() + 1))), (
        422 if errors else 200)


# -- holidays ----------------------------------------------------------------------------------------

@bp.route("/kelola/libur", methods=["GET", "POST"])
@manager_required
def holidays():
    """List, add and remove holidays (working-day SOP durations skip them).

    A holiday in a closed quarter changes that quarter's scores: the page asks first.
    """
    errors: list[str] = []
    pending: dict | None = None
    if request.method == "POST":
        raw_date = request.form.get("date", "")
        try:
            day = dt.date.fromisoformat(raw_date)
        except ValueError:
            day = None
            errors.append("Tanggal tidak valid (YYYY-MM-DD).")
        if day is not None and not in_window(day):
            errors.append(window_message())
            day = None
        touched = closed_quarters_from(day, _today(), day) if day is not None else []
        if day is not None and touched and request.form.get("confirm_past") != "on":
            errors.append(touched_message(touched))
            pending = {"date": day.isoformat(), "name": (request.form.get("name") or "").strip()[:160],
                       "action": request.form.get("action") or "add"}
            day = None
        if day is not None:
            existing = db.session.get(Holiday, day)
            if request.form.get("action") == "delete":
                if existing is not None:
                    db.session.delete(existing)
                    audit_trail.record("holiday.delete", f"holiday:{day.isoformat()}")
            else:
                name = (request.form.get("name") or "").strip()[:160]
                if not name:
                    errors.append("Nama hari libur wajib diisi.")
                elif existing is None:
                    db.session.add(Holiday(date=day, name=name))
                    audit_trail.record("holiday.add", f"holiday:{day.isoformat()}", name=name)
                else:
                    existing.name = name
                    audit_trail.record("holiday.rename", f"holiday:{day.isoformat()}", name=name)
            if not errors:
                _mark_all_kecamatan_stale(day.year)
                return _done("admin.holidays")
    rows = list(db.session.scalars(select(Holiday).order_by(Holiday.date.desc()).limit(500)))
    latest = db.session.scalar(select(RuleSetVersion).order_by(RuleSetVersion.version.desc()).limit(1))
    due_days = (latest.rules or {}).get("report_due_days", DEFAULT_RULES["report_due_days"]) if latest else 10
    return render_template("admin/holidays.html", rows=rows, errors=errors, due_days=due_days, pending=pending), (
        422 if errors else 200)
