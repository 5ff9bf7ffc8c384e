"""Admin pages benchmark: server time of the dashboard and the drill-downs at city scale.

Builds a fresh PostgreSQL database (or ``--sqlite``) holding all of Kota Bandung — 30 kecamatan,
151 kelurahan, 10 RW each (1,510 RW) — ``--rows`` synthetic submissions over 2025–2026 and the
stored results the scoring workers would write: for every kecamatan, the whole kecamatan and each
kelurahan, the years and quarters 2025–2026, all six IKU, with details naming their records
(IKU5's K1–K7 matrix, IKU6's RW table, IKU1's units, IKU2–4's record ids). Then it logs in through
the real form as the camat of the largest kecamatan and as a lurah, and times each page in-process
(Flask test client: server time without the network), ``--repeat`` times each. Budget: < 300 ms.

    .venv/bin/python bench/admin.py [--rows 150000] [--repeat 20] [--sqlite]
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
CSV_CANDIDATES = (ROOT / "server" / "data" / "kota-bandung-kelurahan.csv",
                  ROOT.parent / "shared" / "data" / "kota-bandung-kelurahan.csv")
PASSWORD = "bench-password"
FORMS = ("inspeksi-rw", "skm", "pengaduan", "layanan", "laporan-kelurahan")
PERIODS = [f"{y}{q}" for y in (2025, 2026) for q in ("", "-Q1", "-Q2", "-Q3", "-Q4")]
BUDGET_MS = 300.0


def _kelurahan_rows() -> list[dict]:
    for path in CSV_CANDIDATES:
        if path.exists():
            with path.open(encoding="utf-8") as fh:
                return list(csv.DictReader(fh))
    raise SystemExit("kota-bandung-kelurahan.csv not found (server/data/ or ../shared/data/)")


def _data(form: str, n: int, rng: random.Random) -> dict:
    """The data of the n-th bench submission."""
    if form != "inspeksi-rw":
        return {"catatan": f"bench {n}"}
    return {"kebun_toga": True, "pengelolaan_sampah": "baik", "status_kumuh": "tidak_kumuh",
            "lembaga_aktif": True, "kejadian_kriminal": 0, "konflik_sosial": 0,
            "lokasi": {"lat": -6.9 + rng.random() / 20, "lon": 107.6 + rng.random() / 20}}


def _details(code: str, ids: list[str], scope_kels: list[int], rw_of_kel: dict[int, list[int]]) -> dict:
    """A drill-down of the shape the workers store for ``code``."""
    details: dict = {"record_ids": ids, "warnings": []}
    if code == "IKU1":
        details.update(nrr={f"u{i}": 3.2 for i in range(1, 10)}, ikm_raw=3.2, mutu="B",
                       respondents=len(ids), min_sample=80,
                       units=[{"kelurahan_id": k, "value": 80.0, "mutu": "B", "respondents": 40,
                               "min_sample": 80, "warning": "kurang"} for k in [0, *scope_kels]])
    elif code == "IKU2":
        details["followed_up_ids"] = ids[::2]
    elif code in ("IKU3", "IKU4"):
        details.update(on_time_ids=ids[::2], late_ids=ids[1::2])
        if code == "IKU4":
            details["sections"] = {s: {"numerator": 5, "denominator": 7, "value": 71.43}
                                   for s in ("Seksi Ekobang", "Seksi Kessos", "Seksi Trantib")}
    elif code == "IKU5":
        details["kelurahan"] = [{"id": k, "kode": str(k), "nama": str(k), "baik": k % 2 == 0,
                                 "criteria": {f"K{i}": {"held": i != 7, "reason": "bench",
                                                       "record_ids": ids[:3]} for i in range(1, 8)}}
                                for k in scope_kels]
    elif code == "IKU6":
        details["rw"] = [{"id": r, "kelurahan_id": k, "now": True, "baseline": r % 3 == 0,
                          "changed": r % 3 != 0, "inspection_now": ids[0] if ids else None,
                          "inspection_baseline": None} for k in scope_kels for r in rw_of_kel[k]]
    return details


def _users(kel_of_kec: dict[int, list[int]]) -> tuple[int, int]:
    """The camat of the biggest kecamatan and a lurah of its first kelurahan; (kecamatan, kelurahan)."""
    from server.extensions import db
    from server.models import User, UserScope
    from server.security import hash_password

    biggest = max(kel_of_kec, key=lambda k: len(kel_of_kec[k]))
    camat = User(username="camat", name="Camat", role="kecamatan_admin", kecamatan_id=biggest,
                 password_hash=hash_password(PASSWORD))
    lurah = User(username="lurah", name="Lurah", role="kelurahan_admin", kecamatan_id=biggest,
                 password_hash=hash_password(PASSWORD))
    db.session.add_all([camat, lurah])
    db.session.flush()
    lurah_kel = kel_of_kec[biggest][0]
    db.session.add(UserScope(user_id=lurah.id, kelurahan_id=lurah_kel))
    db.session.commit()
    return biggest, lurah_kel


def _build(app, rows: int, rng: random.Random) -> dict:
    """Fill the database; return what the timing needs (the camat's kecamatan and a lurah's kelurahan)."""
    from sqlalchemy import insert

    from server.extensions import db
    from server.models import RW, IndicatorResult, Kecamatan, Kelurahan, Submission

    with app.app_context():
        kecamatan: dict[str, int] = {}
        kel_of_kec: dict[int, list[int]] = {}
        for row in _kelurahan_rows():
            if row["kecamatan"] not in kecamatan:
                kec = Kecamatan(nama=row["kecamatan"], kode=row["kode_kecamatan"])
                db.session.add(kec)
                db.session.flush()
                kecamatan[row["kecamatan"]] = kec.id
                kel_of_kec[kec.id] = []
            kel = Kelurahan(kecamatan_id=kecamatan[row["kecamatan"]], kode=row["kode_kelurahan"], nama=row["kelurahan"])
            db.session.add(kel)
            db.session.flush()
            kel_of_kec[kel.kecamatan_id].append(kel.id)
        rw_rows = [{"kelurahan_id": k, "nomor": f"{n:02d}"} for ks in kel_of_kec.values() for k in ks for n in range(1, 11)]
        db.session.execute(insert(RW), rw_rows)
        rw_of_kel: dict[int, list[int]] = {}
        for rw_id, kel_id in db.session.execute(db.select(RW.id, RW.kelurahan_id)):
            rw_of_kel.setdefault(kel_id, []).append(rw_id)
        kec_of_kel = {k: kec for kec, ks in kel_of_kec.items() for k in ks}
        biggest, lurah_kel = _users(kel_of_kec)

        # Submissions: spread over the city and two years.
        all_kel = list(kec_of_kel)
        ids_by_scope: dict[tuple[int, int, int], list[str]] = {}  # (kec, kel, year) → ids
        start = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
        batch: list[dict] = []
        for n in range(rows):
            kel = rng.choice(all_kel)
            form = FORMS[n % len(FORMS)]
            observed = start + dt.timedelta(minutes=rng.randrange(0, 700 * 24 * 60))
            sid = uuid.uuid4()
            rw = rng.choice(rw_of_kel[kel]) if form == "inspeksi-rw" else None
            data = _data(form, n, rng)
            batch.append({"id": sid, "form_code": form, "form_version": 1, "subject_type": "rw" if rw else "kelurahan",
                          "kecamatan_id": kec_of_kel[kel], "kelurahan_id": kel, "rw_id": rw, "observed_at": observed,
                          "period_year": observed.year, "period_quarter": (observed.month - 1) // 3 + 1,
                          "received_at": observed, "data": data, "content_hash": "0" * 64, "review_status": "accepted"})
            ids_by_scope.setdefault((kec_of_kel[kel], kel, observed.year), []).append(str(sid))
            if len(batch) == 5000:
                db.session.execute(insert(Submission), batch)
                batch = []
        if batch:
            db.session.execute(insert(Submission), batch)
        db.session.commit()

        # Stored results, as the workers write them.
        now = dt.datetime.now(dt.timezone.utc)
        results: list[dict] = []
        for kec, kels in kel_of_kec.items():
            for scope in [0, *kels]:
                scope_kels = kels if scope == 0 else [scope]
                for period in PERIODS:
                    year = int(period[:4])
                    ids = [i for k in scope_kels for i in ids_by_scope.get((kec, k, year), [])][:400]
                    for code in ("IKU1", "IKU2", "IKU3", "IKU4", "IKU5", "IKU6"):
                        details = _details(code, ids, scope_kels, rw_of_kel)
                        results.append({"kecamatan_id": kec, "kelurahan_id": scope, "period": period, "code": code,
                                        "name": code, "value": 75.5, "numerator": 151, "denominator": 200,
                                        "target": 80.0, "capaian": 94.38, "unit": "%", "mutu": None,
                                        "rule_version": 1, "details": details, "computed_at": now})
        for i in range(0, len(results), 2000):
            db.session.execute(insert(IndicatorResult), results[i:i + 2000])
        db.session.commit()
        rw_count = sum(len(v) for v in rw_of_kel.values())
        return {"kecamatan": len(kel_of_kec), "kelurahan": len(all_kel), "rw": rw_count, "results": len(results),
                "camat_kecamatan": biggest, "camat_kelurahan": len(kel_of_kec[biggest]), "lurah_kelurahan": lurah_kel}


def _login(app, username: str):
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/admin/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302, resp.status_code
    return client


def _time(client, url: str, repeat: int) -> tuple[float, float, float]:
    client.get(url)  # warm (template compile, caches)
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        resp = client.get(url)
        samples.append((time.perf_counter() - t0) * 1000)
        assert resp.status_code == 200, (url, resp.status_code)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)], samples[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--sqlite", action="store_true", help="SQLite file instead of PostgreSQL")
    args = parser.parse_args()
    os.environ.setdefault("SIKK_INSTANCE_DIR", tempfile.mkdtemp(prefix="sikk-bench-admin-"))
    from flask_migrate import upgrade

    from server import create_app
    from server.extensions import db
    from server.forms.catalogue import ensure_default_catalogue

    name = f"sikk_bench_admin_{uuid.uuid4().hex[:8]}"
    if args.sqlite:
        uri = f"sqlite:///{tempfile.mkdtemp(prefix='sikk-bench-admin-')}/bench.sqlite"
    else:
        with psycopg.connect(BASE_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        uri = "postgresql+psycopg://" + BASE_URL.split("://", 1)[1].rsplit("/", 1)[0] + "/" + name
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "TESTING": True, "SECRET_KEY": "bench",
                          "WTF_CSRF_ENABLED": True})
        with app.app_context():
            upgrade()
            ensure_default_catalogue()
            db.session.commit()
        t0 = time.perf_counter()
        info = _build(app, args.rows, random.Random(42))
        print(f"dataset: {info['kecamatan']} kecamatan, {info['kelurahan']} kelurahan, {info['rw']} RW, "
              f"{args.rows:,} submissions, {info['results']:,} stored results "
              f"({'SQLite' if args.sqlite else 'PostgreSQL'}; built in {time.perf_counter() - t0:.1f} s)")
        camat, lurah = _login(app, "camat"), _login(app, "lurah")
        pages = [("camat", camat, "/admin/?period=2026"), ("camat", camat, "/admin/?period=2026-Q2")]
        pages += [("camat", camat, f"/admin/iku/IKU{i}?period=2026") for i in range(1, 7)]
        pages += [("camat", camat, "/admin/pengajuan?period=2026"), ("camat", camat, "/admin/peta?period=2026"),
                  ("camat", camat, "/admin/kinerja.xlsx?period=2026"), ("lurah", lurah, "/admin/?period=2026"),
                  ("lurah", lurah, "/admin/iku/IKU5?period=2026"), ("lurah", lurah, "/admin/iku/IKU6?period=2026")]
        print(f"camat's kecamatan: {info['camat_kecamatan']} ({info['camat_kelurahan']} kelurahan); "
              f"{args.repeat} requests each; server time in ms")
        print(f"{'who':6} {'page':40} {'p50':>8} {'p95':>8} {'max':>8}")
        worst = 0.0
        with app.app_context():
            pass
        for who, client, url in pages:
            p50, p95, top = _time(client, url, args.repeat)
            worst = max(worst, p95) if "/peta" not in url and ".xlsx" not in url and "pengajuan" not in url else worst
            print(f"{who:6} {url:40} {p50:8.1f} {p95:8.1f} {top:8.1f}")
        verdict = "within" if worst < BUDGET_MS else "OVER"
        print(f"dashboard + drill-down worst p95: {worst:.1f} ms — {verdict} the {BUDGET_MS:.0f} ms budget")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        if not args.sqlite:
            with psycopg.connect(BASE_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
