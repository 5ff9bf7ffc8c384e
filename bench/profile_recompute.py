"""The cost of one recompute of one kecamatan-year on the city dataset: wall time, load vs compute, cProfile.

Builds the city dataset of ``bench/scoring.py`` (300,000 submissions) in a fresh PostgreSQL database
(dropped at the end), then recomputes the first kecamatan's current year three times, times
``load_kecamatan`` and ``result_rows`` apart, and prints a cProfile of one more run.

    .venv/bin/python bench/profile_recompute.py
"""
from __future__ import annotations

import cProfile
import datetime as dt
import pstats
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.scoring import copy_rows, fresh_database, generate, load_city, make_app  # noqa: E402

with fresh_database("recompute") as db_url:
    app = make_app(db_url, migrate=True)
    rng = random.Random(7)
    city = load_city(db_url, rng)
    today = dt.date.today()
    copy_rows(db_url, generate(city, 300000, rng, (today.year - 1, today.year)))
    from server.extensions import db
    from workers.recompute import load_kecamatan, recompute_kecamatan_years, result_rows
    with app.app_context():
        kec = sorted(city)[0]
        n = db.session.execute(db.text("select count(*) from submissions where kecamatan_id=:k and period_year=:y"), {"k": kec, "y": today.year}).scalar()
        print("rows of kec-year", n, "kelurahan", len(city[kec]))
        year = today.year
        for _ in range(3):
            t = time.perf_counter()
            recompute_kecamatan_years(db.session, kec, [year])
            print("recompute", round(time.perf_counter() - t, 3), "s")
        t=time.perf_counter(); loaded = load_kecamatan(db.session, kec, [year], "Asia/Jakarta"); t1=time.perf_counter()
        rows = result_rows(loaded, [year], dt.datetime.now(dt.timezone.utc)); t2=time.perf_counter()
        db.session.rollback()
        print("load", t1-t, "compute", t2-t1, "rows", len(rows))
        pr=cProfile.Profile(); pr.enable(); recompute_kecamatan_years(db.session, kec, [year]); pr.disable()
        pstats.Stats(pr).sort_stats('cumulative').print_stats(25)
