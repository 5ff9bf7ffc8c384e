"""The cost of one recompute of one kecamatan-year on the city dataset, full and as a stale mark runs it.

Builds the city dataset of ``bench/scoring.py`` (``--rows``, 300,000 submissions) in a fresh
PostgreSQL database (dropped at the end). For the first kecamatan's current year it then prints:

- the full recompute (``flask recompute``, the nightly run: every row read), best and median of 3;
- the stale-mark recompute (what the Celery task runs: only rows written since this process's
  previous read, ``workers.row_cache``, and only the IKU whose inputs changed,
  ``workers.result_memo``) after each of several rounds that add ``--add`` new ``inspeksi-rw``
  rows to that kecamatan, then after 3 more (what one recompute sees under ``bench/ingest.py``'s
  load; wall and this process's CPU), beside a full recompute of the same moment — so a cost
  that grows with the table shows;
- bursts (``--bursts``, 2,500 and 10,000 by default): that many new inspections of the kecamatan at
  once, then one stale-mark recompute (wall and CPU) beside a full recompute of the same moment —
  what the worker does after a sustained web ingest of one kecamatan; its cost should follow the
  burst, not the kecamatan's history;
- a cProfile of one more stale-mark recompute after the first burst size (``--profile``).

The heap the process has once its app is built is frozen (``gc.freeze``), as a worker pool process
does (``workers/worker.py``); ``--no-freeze`` leaves it to the garbage collector.

    .venv/bin/python bench/profile_recompute.py [--rows 300000] [--rounds 4] [--add 2000]
        [--bursts 2500,10000] [--profile] [--no-freeze]
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.scoring import TZ, _Rows, copy_rows, fresh_database, generate, load_city, make_app  # noqa: E402


def inspections(city: dict, kec: int, count: int, rng: random.Random, year: int) -> list[tuple]:
    """``count`` new RW inspections of kecamatan ``kec`` observed this year (as a load run adds them)."""
    rows = _Rows(rng, year, dt.date.today())
    pairs = [(kel, rw) for kel, rws in city[kec].items() for rw in rws]
    for _ in range(count):
        kel, rw = rng.choice(pairs)
        good = rng.random() < 0.6
        rows.add("inspeksi-rw", "rw", kec, kel, rw, dt.datetime.combine(dt.date.today(), dt.time(9), TZ),
                 {"kebun_toga": good, "pengelolaan_sampah": "baik" if good else "cukup",
                  "status_kumuh": "tidak_kumuh", "lembaga_aktif": True, "kejadian_kriminal": 0,
                  "konflik_sosial": 0})
    return rows.rows


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def cpu_timed(fn, *args, **kwargs) -> tuple[float, float]:
    """(wall seconds, this process's CPU seconds) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn(*args, **kwargs)
    return time.perf_counter() - wall, time.process_time() - cpu


def bursts(db_url: str, city: dict, kec: int, year: int, sizes: list[int], rng: random.Random, read_count,
           profile: bool) -> None:
    """After each burst of new inspections: the stale-mark recompute beside a full one (wall, CPU)."""
    from server.extensions import db
    from workers.recompute import recompute_kecamatan_years

    recompute_kecamatan_years(db.session, kec, [year], reuse_rows=True)  # the process is up to date
    print(f"burst  rows-read  stale-mark wall (s)  stale-mark cpu (s)  full wall (s)  full cpu (s)")
    for size in sizes:
        copy_rows(db_url, inspections(city, kec, size, rng, year))
        wall, cpu = cpu_timed(recompute_kecamatan_years, db.session, kec, [year], reuse_rows=True)
        full_wall, full_cpu = cpu_timed(recompute_kecamatan_years, db.session, kec, [year])
        print(f"{size:5}  {read_count():9}  {wall:19.3f}  {cpu:18.3f}  {full_wall:13.3f}  {full_cpu:12.3f}")
    if profile:
        copy_rows(db_url, inspections(city, kec, sizes[0], rng, year))
        profiler = cProfile.Profile()
        profiler.enable()
        recompute_kecamatan_years(db.session, kec, [year], reuse_rows=True)
        profiler.disable()
        print(f"cProfile of a stale-mark recompute after +{sizes[0]} inspections:")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=300000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--add", type=int, default=2000)
    parser.add_argument("--bursts", default="2500,10000", help="burst sizes, comma-separated (empty: none)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--no-freeze", action="store_true",
                        help="leave the startup heap to the garbage collector (a worker pool process freezes it)")
    args = parser.parse_args()
    with fresh_database("recompute") as db_url:
        app = make_app(db_url, migrate=True)
        rng = random.Random(7)
        city = load_city(db_url, rng)
        year = dt.date.today().year
        copy_rows(db_url, generate(city, args.rows, rng, (year - 1, year)))
        from server.extensions import db
        from workers.recompute import recompute_kecamatan_years
        if not args.no_freeze:  # as workers/worker.py does in each pool process
            gc.collect()
            gc.freeze()
        with app.app_context():
            kec = sorted(city)[0]

            def read_count() -> int:
                return db.session.execute(db.text(
                    "select count(*) from submissions where kecamatan_id=:k and (period_year between :a and :b "
                    "or form_code in ('inspeksi-rw','tindak-lanjut','layanan-selesai'))"),
                    {"k": kec, "a": year - 1, "b": year + 1}).scalar()

            print(f"kecamatan {kec}: {len(city[kec])} kelurahan, rows a recompute of {year} reads: {read_count()}")
            full = [timed(recompute_kecamatan_years, db.session, kec, [year])[0] for _ in range(3)]
            print(f"full recompute: best {min(full):.3f} s, median {statistics.median(full):.3f} s")
            cold, _ = timed(recompute_kecamatan_years, db.session, kec, [year], reuse_rows=True)
            print(f"stale-mark recompute, first read of this process: {cold:.3f} s")
            print(f"round  rows-read  stale-mark after +{args.add} (s)  after +3 (s)  cpu +3 (s)  full (s)")
            for round_no in range(args.rounds + 1):
                if round_no:
                    copy_rows(db_url, inspections(city, kec, args.add, rng, year))
                bulk, _ = timed(recompute_kecamatan_years, db.session, kec, [year], reuse_rows=True)
                copy_rows(db_url, inspections(city, kec, 3, rng, year))
                cpu = time.process_time()
                few, _ = timed(recompute_kecamatan_years, db.session, kec, [year], reuse_rows=True)
                cpu = time.process_time() - cpu
                full, _ = timed(recompute_kecamatan_years, db.session, kec, [year])
                print(f"{round_no:5}  {read_count():9}  {bulk:26.3f}  {few:12.3f}  {cpu:10.3f}  {full:8.3f}")
            sizes = [int(size) for size in args.bursts.split(",") if size.strip()]
            if sizes:
                bursts(db_url, city, kec, year, sizes, rng, read_count, args.profile)


if __name__ == "__main__":
    main()
