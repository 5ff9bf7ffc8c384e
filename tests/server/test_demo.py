"""seed-demo: a plausible, deterministic demo year, loaded through the sync use case, idempotently."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from server.demo import seed_demo
from server.demo.generate import DemoGenerator, DemoWorld, Place
from server.extensions import db
from server.forms.catalogue import default_service_types
from server.models import (
    RW, Attachment, AuditLog, DeviceToken, Holiday, IndicatorResult, Kecamatan, Kelurahan, Submission, Target, User,
    UserScope,
)
from tests.factories import auth

TODAY = dt.date(2026, 6, 15)
FORMS = {"inspeksi-rw", "laporan-kelurahan", "skm", "pengaduan", "tindak-lanjut", "layanan", "layanan-selesai"}
_TABLES = (Kecamatan, Kelurahan, RW, User, UserScope, Target, Holiday, Attachment, Submission, AuditLog)


def _snapshot() -> dict:
    """Row counts of every table seed-demo writes, plus each submission's id, hash and links."""
    counts = {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in _TABLES}
    rows = db.session.execute(select(Submission.id, Submission.content_hash, Submission.superseded_by,
                                     Submission.subject_type, Submission.kelurahan_id)).all()
    return {"counts": counts, "submissions": sorted((str(r[0]), r[1], str(r[2]), r[3], r[4]) for r in rows)}


def test_seed_demo_command_twice_changes_nothing(app, runner):
    first = runner.invoke(args=["seed-demo", "--no-recompute"])
    assert first.exit_code == 0, first.output
    assert "created" in first.output
    with app.app_context():
        before = _snapshot()
        marker = db.session.scalar(select(AuditLog.detail).where(AuditLog.action == "seed_demo"))
    assert before["counts"]["submissions"] > 3000
    assert marker["today"] == first.output.split("data up to ")[1][:10]
    second = runner.invoke(args=["seed-demo", "--no-recompute"])
    assert second.exit_code == 0, second.output
    assert "submissions already loaded" in second.output
    assert "users created: 0" in second.output
    with app.app_context():
        assert _snapshot() == before


def test_an_interrupted_seed_is_completed_without_duplicates(app):
    with app.app_context():
        seed_demo(today=TODAY)
        full = _snapshot()
        # Lose the last synced batches, as if the first run had been cut off half way.
        newest = db.session.scalars(select(Submission.id).order_by(Submission.received_at.desc()).limit(300)).all()
        lost = set(newest) | set(db.session.scalars(select(Submission.id).where(Submission.supersedes.in_(newest))))
        db.session.query(Submission).filter(Submission.id.in_(lost)).delete(synchronize_session=False)
        db.session.query(Submission).filter(Submission.superseded_by.in_(lost)).update(
            {Submission.superseded_by: None}, synchronize_session=False)
        db.session.commit()
        report = seed_demo(today=TODAY)
        assert report.statuses["created"] >= 300 and report.statuses["duplicate"] > 0
        assert set(report.statuses) <= {"created", "duplicate"}
        assert _snapshot() == full


def _ikm(rows: list[dict]) -> float:
    """IKU1: mean per element over respondents, IKM = Σ NRR / 9 × 25, rounded half-up."""
    nrr = [sum(r[f"u{i}"] for r in rows) / len(rows) for i in range(1, 10)]
    value = Decimal(sum(nrr)) / 9 * 25
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def test_demo_year_is_plausible(app, client):
    with app.app_context():
        report = seed_demo(today=TODAY)
        assert set(report.statuses) == {"created"}
        kec = db.session.scalar(select(Kecamatan))
        assert (kec.kode, kec.nama) == ("32.73.02", "Coblong")
        kelurahan = db.session.scalars(select(Kelurahan).order_by(Kelurahan.kode)).all()
        assert [k.nama for k in kelurahan] == ["Cipaganti", "Lebak Gede", "Sadang Serang", "Dago", "Sekeloa",
                                               "Lebak Siliwangi"]
        assert all(8 <= len(k.rw) <= 13 for k in kelurahan)
        assert db.session.scalar(select(func.count()).select_from(Target).where(
            Target.kecamatan_id == 0, Target.year.in_((2025, 2026)))) == 12
        assert db.session.scalar(select(func.count()).select_from(Holiday)) >= 10

        subs = db.session.execute(select(Submission)).scalars().all()
        by_form = Counter(s.form_code for s in subs)
        assert set(by_form) == FORMS
        observed = [s.observed_at.replace(tzinfo=s.observed_at.tzinfo or dt.timezone.utc) for s in subs]
        assert max(observed) < dt.datetime(2026, 6, 15, tzinfo=dt.timezone(dt.timedelta(hours=7)))
        assert min(o for s, o in zip(subs, observed) if s.form_code != "laporan-kelurahan") \
            >= dt.datetime(2025, 6, 15, tzinfo=dt.timezone.utc) - dt.timedelta(days=1)

        # Corrections: a few, each superseding one stored record of the same form.
        corrections = [s for s in subs if s.supersedes is not None]
        assert 4 <= len(corrections) <= 10
        superseded = {s.id: s for s in subs if s.superseded_by is not None}
        assert {c.supersedes for c in corrections} == set(superseded)
        assert all(superseded[c.supersedes].form_code == c.form_code for c in corrections)

        # Follow-ups: all linked to their records, some sent before them (out of order).
        records = {s.id: s for s in subs if s.form_code in ("pengaduan", "layanan")}
        follow_ups = [s for s in subs if s.ref is not None]
        assert all(s.subject_type != "ref" and s.kelurahan_id == records[s.ref].kelurahan_id for s in follow_ups)
        assert sum(1 for s in follow_ups if s.received_at < records[s.ref].received_at) >= 1

        # Photos: every one named is stored and is a JPEG.
        named = {h for s in subs if s.form_code == "inspeksi-rw" for h in s.data.get("foto", [])}
        assert len(named) >= 20
        stored = dict(db.session.execute(select(Attachment.sha256, Attachment.content)).tuples().all())
        assert named <= set(stored) and all(stored[h][:3] == b"\xff\xd8\xff" for h in named)

        live = [s for s in subs if s.superseded_by is None]
        # Not every RW is Baik by its latest inspection, but some are.
        latest: dict[int, Submission] = {}
        for s in sorted((s for s in live if s.form_code == "inspeksi-rw"), key=lambda s: s.observed_at):
            latest[s.rw_id] = s
        baik = [s.data["kebun_toga"] and s.data["pengelolaan_sampah"] == "baik"
                and s.data["status_kumuh"] == "tidak_kumuh" and s.data["lembaga_aktif"] for s in latest.values()]
        assert len(latest) == db.session.scalar(select(func.count()).select_from(RW))
        assert 0.15 < sum(baik) / len(baik) < 0.85
        # IKM around B for the kecamatan as a whole, and for most offices.
        skm = [s for s in live if s.form_code == "skm"]
        assert 76.61 <= _ikm([s.data for s in skm]) < 88.31
        # Some complaints never followed up; most are.
        followed = {s.ref for s in live if s.form_code == "tindak-lanjut"}
        complaints = [s for s in live if s.form_code == "pengaduan"]
        assert 0.5 < sum(c.id in followed for c in complaints) / len(complaints) < 0.95
        # Some services late, most on time (minutes SOP, completed on the entry).
        sop = {st["code"]: st for st in default_service_types()}
        timed = [s.data for s in live if s.form_code == "layanan" and s.data.get("waktu_selesai")
                 and sop[s.data["jenis_layanan"]]["sop_unit"] == "minutes"]
        late = [d for d in timed if (dt.datetime.fromisoformat(d["waktu_selesai"])
                                     - dt.datetime.fromisoformat(d["waktu_terima"])).total_seconds() / 60
                > sop[d["jenis_layanan"]]["sop_value"]]
        assert 0.03 < len(late) / len(timed) < 0.3
        # Kelurahan reports mostly on time (due 10 days after the quarter).
        reports = [s.data for s in live if s.form_code == "laporan-kelurahan"]
        assert len(reports) >= 20

        def on_time(d: dict) -> bool:
            year, quarter = int(d["periode"][:4]), int(d["periode"][-1])
            end = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1) - dt.timedelta(days=1)
            return all(dt.date.fromisoformat(d[k]) <= end + dt.timedelta(days=10) for k in d if k.startswith("tgl_"))
        assert 0.6 < sum(map(on_time, reports)) / len(reports) < 1

    # The demo logins of README.md work, each seeing what its role should.
    seen = {}
    for username in ("camat", "lurah", "petugas", "kiosk"):
        login = client.post("/api/v1/auth/token", json={"username": username, "password": "demo123"})
        assert login.status_code == 201, username
        seen[username] = client.get("/api/v1/bootstrap", headers=auth(login.json["token"])).json
    assert len(seen["camat"]["kelurahan"]) == 6
    assert [k["nama"] for k in seen["lurah"]["kelurahan"]] == ["Cipaganti"]
    assert [k["nama"] for k in seen["petugas"]["kelurahan"]] == ["Cipaganti", "Lebak Gede"]
    assert [f["code"] for f in seen["kiosk"]["forms"]] == ["skm"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DeviceToken)) == 4


def _world() -> DemoWorld:
    places = [Place(10 + i, f"32.73.02.100{i}", f"Kel {i}", tuple((100 * i + n, f"{n:02d}") for n in range(1, 6)),
                    "petugas", "lurah", f"kiosk-100{i}") for i in range(1, 4)]
    return DemoWorld(1, "Coblong", "camat", "kiosk", places, {st["code"]: st for st in default_service_types()},
                     {dt.date(2026, 5, 1)})


def _items(seed: int) -> list[dict]:
    taken = []
    generator = DemoGenerator(_world(), seed, TODAY, lambda caption: taken.append(caption) or f"{len(taken):064x}")
    return [{"sender": o.sender, "early": o.early, **o.item} for o in generator.all()]


def test_generator_is_deterministic_and_never_in_the_future():
    first, again, other = _items(7), _items(7), _items(8)
    assert first == again
    assert [i["id"] for i in first] != [i["id"] for i in other]
    cutoff = dt.datetime(2026, 6, 15, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert all(dt.datetime.fromisoformat(i["observed_at"]) < cutoff for i in first)
    assert len({i["id"] for i in first}) == len(first)
    assert sum(i["early"] for i in first) == 8
    # No SKM, complaint or service on a weekend or a holiday: offices are closed.
    office_days = {dt.datetime.fromisoformat(i["observed_at"]).date() for i in first
                   if i["form"] in ("skm", "pengaduan", "layanan")}
    assert all(d.weekday() < 5 and d != dt.date(2026, 5, 1) for d in office_days)


def test_demo_early_in_the_year_and_changed_passwords_survive_a_rerun(app):
    from server.security import check_password, hash_password

    with app.app_context():
        report = seed_demo(today=dt.date(2026, 1, 20))  # the demo year is mostly last year
        assert report.by_form["laporan-kelurahan"] >= 6 * 4 - 1
        users = db.session.scalars(select(User).where(User.username.in_(("camat", "lurah", "petugas", "kiosk")))).all()
        for user in users:
            user.password_hash = hash_password("ganti-sendiri")
        db.session.commit()
        again = seed_demo(today=dt.date(2026, 1, 20))
        assert not again.changed and again.skipped_sync
        assert all(check_password(user, "ganti-sendiri") for user in db.session.scalars(
            select(User).where(User.username.in_(("camat", "lurah", "petugas", "kiosk")))))


def test_seed_demo_scores_the_year(app, runner):
    """The command ends with a recompute, so the dashboard has numbers at once."""
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        kec = db.session.scalar(select(Kecamatan))
        year = dt.date.fromisoformat(result.output.split("data up to ")[1][:10]).year
        found = {r.code: r for r in db.session.scalars(select(IndicatorResult).where(
            IndicatorResult.kecamatan_id == kec.id, IndicatorResult.kelurahan_id == 0,
            IndicatorResult.period == str(year - 1)))}
    assert set(found) == {f"IKU{n}" for n in range(1, 7)}
    assert found["IKU1"].mutu in ("A", "B", "C") and found["IKU1"].target == 82.0
    assert all(found[code].value is not None for code in ("IKU1", "IKU3", "IKU4", "IKU6"))


def test_seed_demo_refuses_a_database_whose_users_clash(app, runner):
    with app.app_context():
        other = Kecamatan(kode="32.73.01", nama="Sukasari")
        db.session.add(other)
        db.session.flush()
        db.session.add(User(username="camat", name="Camat Sukasari", role="kecamatan_admin", password_hash="x",
                            kecamatan_id=other.id))
        db.session.commit()
    result = runner.invoke(args=["seed-demo", "--no-recompute"])
    assert result.exit_code != 0
    assert "User 'camat' already exists" in result.output and "Traceback" not in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 0
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
