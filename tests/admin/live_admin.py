"""A live SIKK server for the admin browser tests: fresh SQLite file, `flask release`, seeded
wilayah, users and stored indicator results, gunicorn on a free port (stopped afterwards)."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.live import serve_gunicorn

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
PASSWORD = "demo12345"

# The held-back year the browser test picks, and its figures (kecamatan-wide and per kelurahan).
YEAR = "2025"
FIGURES = {"IKU1": (81.25, 80.0), "IKU2": (42.857142857, 80.0), "IKU3": (91.5, 85.0),
           "IKU4": (72.25, 80.0), "IKU5": (50.0, 40.0), "IKU6": (33.333333, 30.0)}
LURAH_SCALE = 0.9  # kelurahan 1's own figures are the kecamatan's × this
OTHER_SCALE = 0.61  # kelurahan 2's


@dataclass
class LiveAdmin:
    """The running server and what was seeded into it."""

    url: str
    kelurahan: list[tuple[int, str]]  # (id, nama)


def _seed(database_url: str) -> list[tuple[int, str]]:
    from server import create_app
    from server.extensions import db
    from server.models import IndicatorResult, Submission
    from tests.factories import make_user, make_wilayah

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    with app.app_context():
        wilayah = make_wilayah(nama="Coblong", kode="32.73.02", kelurahan=2, rw=3)
        make_user("camat", "kecamatan_admin", wilayah.kecamatan, password=PASSWORD)
        make_user("lurah", "kelurahan_admin", wilayah.kecamatan, [wilayah.kelurahan[0]], password=PASSWORD)
        computed = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
        details = _details(db, Submission, wilayah)
        scopes = ((0, 1.0), (wilayah.kelurahan[0].id, LURAH_SCALE), (wilayah.kelurahan[1].id, OTHER_SCALE))
        for kelurahan_id, scale in scopes:
            for period, factor in ((YEAR, 1.0), (f"{YEAR}-Q1", 0.8), (f"{YEAR}-Q2", 0.9), (f"{YEAR}-Q3", 1.05)):
                for code, (value, target) in FIGURES.items():
                    realised = value * scale * factor
                    db.session.add(IndicatorResult(
                        kecamatan_id=wilayah.kecamatan.id, kelurahan_id=kelurahan_id, period=period, code=code,
                        name=code, value=realised, numerator=None, denominator=None, target=target,
                        capaian=realised / target * 100, unit="indeks" if code == "IKU1" else "%",
                        mutu="B" if code == "IKU1" else None, rule_version=1,
                        details=details.get(code, {"record_ids": [], "warnings": []}) if kelurahan_id == 0
                        else {"record_ids": [], "warnings": []}, computed_at=computed))
        db.session.commit()
        kelurahan = [(k.id, k.nama) for k in wilayah.kelurahan]
        db.session.remove()
        db.engine.dispose()
    return kelurahan


def _details(db, Submission, wilayah) -> dict[str, dict]:
    """Inspections with locations, and the drill-down details of IKU1, IKU5 and IKU6 that name them."""
    ids, rw_rows = [], []
    observed = dt.datetime(int(YEAR), 5, 2, 2, 0, tzinfo=dt.timezone.utc)
    for n, kel in enumerate(wilayah.kelurahan):
        for m, rw in enumerate(wilayah.rw[kel.id]):
            sid = uuid.uuid4()
            baik = (n + m) % 2 == 0
            db.session.add(Submission(
                id=sid, form_code="inspeksi-rw", form_version=1, subject_type="rw", kecamatan_id=wilayah.kecamatan.id,
                kelurahan_id=kel.id, rw_id=rw.id, observed_at=observed, period_year=observed.year,
                period_quarter=2, received_at=observed, content_hash="0" * 64,
                data={"kebun_toga": baik, "pengelolaan_sampah": "baik", "status_kumuh": "tidak_kumuh",
                      "lembaga_aktif": True, "kejadian_kriminal": 0, "konflik_sosial": 0,
                      "lokasi": {"lat": -6.88 - n / 100 - m / 300, "lon": 107.61 + m / 200},
                      "catatan": "Inspeksi rutin dengan catatan yang cukup panjang untuk diuji di layar kecil"}))
            ids.append(str(sid))
            rw_rows.append({"id": rw.id, "kelurahan_id": kel.id, "now": baik, "baseline": False, "changed": baik,
                            "inspection_now": str(sid), "inspection_baseline": None})
    criteria = {f"K{i}": {"held": i != 7, "reason": "Laporan keuangan terlambat 3 hari" if i == 7 else "terpenuhi",
                          "record_ids": ids[:2]} for i in range(1, 8)}
    return {
        "IKU1": {"record_ids": [], "warnings": [], "nrr": {f"u{i}": 3.25 for i in range(1, 10)}, "ikm_raw": 3.25,
                 "units": [{"kelurahan_id": k.id, "value": 81.25, "mutu": "B", "respondents": 40, "min_sample": 80,
                            "warning": "Responden kurang dari sampel minimum"} for k in wilayah.kelurahan]},
        "IKU5": {"record_ids": ids, "warnings": [], "kelurahan": [
            {"id": k.id, "kode": k.kode, "nama": k.nama, "baik": False, "criteria": criteria} for k in wilayah.kelurahan]},
        "IKU6": {"record_ids": ids, "warnings": [], "rw": rw_rows},
    }


@contextlib.contextmanager
def run_admin_server(workdir: Path) -> Iterator[LiveAdmin]:
    """Fresh database in `workdir`, released and seeded; gunicorn on a free port until exit."""
    database_url = f"sqlite:///{workdir / 'sikk.sqlite'}"
    env = {**os.environ, "DATABASE_URL": database_url, "SIKK_INSTANCE_DIR": str(workdir / "instance"),
           "SECRET_KEY": "admin-e2e-secret", "SIKK_RATELIMIT_ENABLED": "false",
           "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}"}
    env.pop("REDIS_URL", None)
    subprocess.run([str(VENV_BIN / "flask"), "--app", "server", "release"], cwd=REPO, env=env, check=True,
                   capture_output=True, timeout=120)
    kelurahan = _seed(database_url)
    with serve_gunicorn(env, workdir) as url:
        yield LiveAdmin(url=url, kelurahan=kelurahan)
