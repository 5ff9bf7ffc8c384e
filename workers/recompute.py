"""Recompute the stored scores of one kecamatan: load → ``compute_indicators`` → upsert, one transaction.

A recompute of year Y writes Y and its four quarters, for the whole kecamatan and for each of its
kelurahan (6 IKU each). It first takes a lock per (kecamatan, year) — a transaction-scoped
advisory lock on PostgreSQL, the database write lock on SQLite — and only then reads, so two
runs of the same recompute happen one after the other and the last one reads the newest rows:
the stored result is always the result of a complete, current read. The outbox rows it covers are
deleted in the same transaction (before the read), so a row exists exactly while its data waits.

Data of a year also feeds later years' scores: K2 compares with the previous period, and an RW's
status at a date comes from its latest inspection on or before it, however old (the IKU6
baseline, K3–K5). So a stale year Y makes later years stale too (:func:`stale_years`): the
current year and every year in between that has data — never more than the scorable window
(``SCORING_MIN_YEAR`` to next year), so a hostile year 0 or 9999 cannot fan out into hundreds of
recomputes.

Used by the Celery tasks (``workers.tasks``), the ``flask --app server recompute`` command and the
benchmark; no Celery here.
"""
from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
from collections.abc import Iterable, Iterator, Sequence

from flask import current_app
from sqlalchemy import delete, exists, func, select, text, update
from sqlalchemy.orm import Session

from domain import clock
from domain.periods import Period, year_and_quarters
from server.models import IndicatorResult, Kecamatan, ScoreOutbox, ScoringSetAside, Submission
from server.scores import WHOLE_KECAMATAN
from server.settings import settings
from workers.result_memo import ScoreReuse, memo_key
from workers.results import stored_stamps, touch_computed_at, upsert_results, write_stamp
from workers.loader import LoadedKecamatan, load_holidays, load_kecamatan, load_rule_sets, load_service_types
from workers.scoring import compute_indicators, rules_for


def lock_kecamatan_years(session: Session, kecamatan_id: int, years: Iterable[int]) -> None:
    """Serialize recomputes of the same (kecamatan, year) until the end of the transaction.

    PostgreSQL: ``pg_advisory_xact_lock(kecamatan_id, year)``, years in ascending order (no
    deadlock between runs that lock several). SQLite: a write that matches nothing takes the
    database write lock, which also makes the following reads see the newest commit.
    """
    if session.get_bind().dialect.name == "postgresql":
        # Scores are derived data (recomputable from the submissions at any time): the commit need
        # not wait for the WAL flush. A crash can lose only the last recompute, which the outbox or
        # the nightly run redoes; submissions keep their full durability (other transactions).
        session.execute(text("SET LOCAL synchronous_commit = off"))
        for year in sorted(set(years)):
            session.execute(text("SELECT pg_advisory_xact_lock(:k, :y)"), {"k": kecamatan_id, "y": year})
    else:
        session.execute(update(IndicatorResult).where(IndicatorResult.id < 0).values(period=IndicatorResult.period))


def absorb_outbox(session: Session, kecamatan_id: int, years: Iterable[int]) -> int:
    """Delete the outbox rows of these years of the kecamatan; return how many.

    Called after the lock and before the read: every submission behind such a row committed with
    it, so the read that follows sees it. Under load this is what coalesces: a recompute that
    waited in the queue takes the rows that piled up meanwhile.
    """
    wanted = sorted(set(years))
    if not wanted:
        return 0
    return session.execute(delete(ScoreOutbox).where(ScoreOutbox.kecamatan_id == kecamatan_id,
                                                     ScoreOutbox.year.in_(wanted))).rowcount


def scorable_window(current_year: int) -> tuple[int, int]:
    """The years that are ever scored: ``SCORING_MIN_YEAR`` (2000) to next year."""
    return int(current_app.config.get("SCORING_MIN_YEAR", 2000)), current_year + 1


def stale_years(session: Session, kecamatan_id: int, year: int, current_year: int) -> list[int]:
    """The years a change to ``year``'s data makes stale: itself, then every later year up to the
    current one that has data, and the current year — all within the scorable window."""
    low, high = scorable_window(current_year)
    years = {year} if low <= year <= high else set()
    if year < current_year:
        years.add(current_year)
        t = Submission.__table__
        for later in range(max(year + 1, low), current_year):
            if session.scalar(select(exists().where(t.c.kecamatan_id == kecamatan_id, t.c.period_year == later))):
                years.add(later)
    return sorted(years)


def result_rows(loaded: LoadedKecamatan, years: Iterable[int], computed_at: dt.datetime,
                reuse: ScoreReuse | None = None) -> list[dict]:
    """Every result row of the given years: each period × (kecamatan, each kelurahan) × 6 IKU.

    :param reuse: take the results whose inputs equal the previous recompute's from it
        (``workers.result_memo``); None: compute everything.
    """
    data = loaded.base
    scopes: list[int | None] = [None, *(kel.id for kel in data.kelurahan)]
    rows: list[dict] = []
    score = reuse.scores if reuse is not None else compute_indicators
    for year in sorted(set(years)):
        year_data = loaded.data_for(year)
        for period in year_and_quarters(year):
            rules = rules_for(period, loaded.rule_sets)
            for kelurahan_id in scopes:
                for result in score(year_data, period, rules, kelurahan_id):
                    details = dict(result.details)
                    if loaded.warnings and kelurahan_id is None:
                        details["warnings"] = [*details.get("warnings", []), *loaded.warnings]
                    rows.append({
                        "kecamatan_id": data.kecamatan_id,
                        "kelurahan_id": WHOLE_KECAMATAN if kelurahan_id is None else kelurahan_id,
                        "period": period.label, "code": result.code, "name": result.name, "value": result.value,
                        "numerator": result.numerator, "denominator": result.denominator, "target": result.target,
                        "capaian": result.capaian, "unit": result.unit, "mutu": result.mutu,
                        "rule_version": result.rule_version, "details": details, "computed_at": computed_at,
                    })
    return rows


def store_results(session: Session, kecamatan_id: int, years: Sequence[int], rows: list[dict],
                  reuse: ScoreReuse | None, computed_at: dt.datetime) -> int:
    """Store a recompute's result rows; return how many it stores (written, or stored as they are).

    With ``reuse``, only the rows that differ from the stored ones are written
    (:meth:`ScoreReuse.to_write`, exact); without, every row. Either way every row of the
    recomputed periods ends with ``computed_at`` = this recompute (the API's and the dashboard's
    "computed at" keeps meaning "the last recompute that covered it", not "the last change"): the
    unchanged rows get it from one UPDATE of that column alone.
    """
    if reuse is None:
        return upsert_results(session, rows)
    periods = sorted({p.label for year in years for p in year_and_quarters(year)})
    stamps = stored_stamps(session, kecamatan_id, periods)
    changed = reuse.to_write(rows, stamps)
    upsert_results(session, changed)
    if stamps is not None and len(changed) < len(rows):
        touch_computed_at(session, kecamatan_id, periods, computed_at)
        changed = rows  # every row of the periods now carries this transaction's stamp
    reuse.stored_as(rows, changed, write_stamp(session, computed_at) if changed else None, stamps)
    return len(rows)


def current_year_of(today: dt.date | None = None, timezone: str | None = None) -> int:
    """This year in the deployment's timezone (or ``today``'s year when given)."""
    return (today or clock.today(timezone or settings().timezone)).year


def recompute_kecamatan_years(session: Session, kecamatan_id: int, years: Sequence[int], *,
                              timezone: str | None = None, catalogue: dict | None = None,
                              only_if_stale: bool = False, absorb_also: Iterable[int] = (),
                              reuse_rows: bool = False) -> int:
    """Recompute and store the given years of one kecamatan in one transaction; return rows written.

    :param catalogue: optional pre-loaded ``service_types``/``holidays``/``rule_sets`` (a caller
        recomputing many kecamatan in a row reads them once).
    :param only_if_stale: do nothing (return 0) when no outbox row of these years is left — an
        earlier recompute already read everything (how duplicate messages cost almost nothing).
    :param absorb_also: further years whose outbox rows this run covers (a year outside the window).
    :param reuse_rows: read only the submission rows changed since this process's previous read
        (``workers.row_cache``, PostgreSQL) and compute only the IKU whose inputs changed since its
        previous recompute of the pair (``workers.result_memo``); the stale-mark path uses it, full
        recomputes do not.
    :raise LookupError: no such kecamatan.
    """
    years = sorted(set(years))
    absorb = sorted(set(years) | set(absorb_also))
    if not absorb:
        return 0
    tz = timezone or settings().timezone
    try:
        lock_kecamatan_years(session, kecamatan_id, years)
        absorbed = absorb_outbox(session, kecamatan_id, absorb)
        if not years or (only_if_stale and not absorbed):
            session.commit()
            return 0
        loaded = load_kecamatan(session, kecamatan_id, years, tz, **(catalogue or {}), reuse_rows=reuse_rows)
        reuse = (ScoreReuse(memo_key(str(session.get_bind().url), kecamatan_id, years), loaded.base,
                            changes=loaded.changes) if reuse_rows else None)
        computed_at = dt.datetime.now(dt.timezone.utc)
        rows = result_rows(loaded, years, computed_at, reuse)
        written = store_results(session, kecamatan_id, years, rows, reuse, computed_at)
        # A pair that was set aside after failures is healthy again.
        session.execute(delete(ScoringSetAside).where(ScoringSetAside.kecamatan_id == kecamatan_id,
                                                      ScoringSetAside.year.in_(years)))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    if reuse is not None:
        reuse.keep()
    return written


def recompute_stale(session: Session, kecamatan_id: int, year: int, *, today: dt.date | None = None,
                    only_if_stale: bool = True) -> int:
    """What one stale mark asks for: recompute ``year`` and the later years it feeds (:func:`stale_years`).

    With ``only_if_stale=False`` (the nightly run, which sends every year with data on its own) only
    ``year`` itself, when it is scorable. A stale mark reads only the rows changed since this
    process's previous read (``workers.row_cache``); the nightly run reads everything.
    """
    current_year = current_year_of(today)
    if only_if_stale:
        years = stale_years(session, kecamatan_id, year, current_year)
    else:
        low, high = scorable_window(current_year)
        years = [year] if low <= year <= high else []
    session.rollback()  # end the read transaction before taking locks
    return recompute_kecamatan_years(session, kecamatan_id, years, only_if_stale=only_if_stale, absorb_also=[year],
                                     reuse_rows=only_if_stale)


def last_outbox_id(session: Session) -> int:
    """The newest outbox row id now (0 when empty): what a run starting now can be held to cover."""
    newest = session.scalar(select(func.max(ScoreOutbox.id))) or 0
    session.rollback()
    return newest


def set_aside(session: Session, kecamatan_id: int, year: int, error: BaseException, attempts: int,
              up_to_id: int) -> None:
    """Record a recompute that failed for good, and remove the outbox rows it was to cover.

    The pair is retried on its next change (a new outbox row and kick), by the nightly full
    recompute, or by ``flask --app server recompute``; the first success deletes the record.
    """
    session.rollback()
    message = f"{type(error).__name__}: {error}"[:2000]
    now = dt.datetime.now(dt.timezone.utc)
    try:
        found = session.get(ScoringSetAside, (kecamatan_id, year))
        if found is None:
            session.add(ScoringSetAside(kecamatan_id=kecamatan_id, year=year, error=message, attempts=attempts,
                                        failed_at=now))
        else:
            found.error, found.failed_at, found.attempts = message, now, found.attempts + attempts
        session.execute(delete(ScoreOutbox).where(ScoreOutbox.kecamatan_id == kecamatan_id, ScoreOutbox.year == year,
                                                  ScoreOutbox.id <= up_to_id))
        session.commit()
    except BaseException:
        session.rollback()
        raise


def years_with_data(session: Session, kecamatan_id: int | None = None) -> dict[int, set[int]]:
    """For each kecamatan, the years its submissions belong to (plus the current year), within the
    scorable window (a hostile year 0 or 9999 is never scored)."""
    this_year = current_year_of()
    low, high = scorable_window(this_year)
    out: dict[int, set[int]] = {kec: {this_year} for kec in session.scalars(select(Kecamatan.id))
                                if kecamatan_id is None or kec == kecamatan_id}
    t = Submission.__table__
    stmt = select(t.c.kecamatan_id, t.c.period_year).where(t.c.kecamatan_id.is_not(None))
    if kecamatan_id is not None:
        stmt = stmt.where(t.c.kecamatan_id == kecamatan_id)
    for kec, year in session.execute(stmt.group_by(t.c.kecamatan_id, t.c.period_year)):
        if kec in out and low <= year <= high:
            out[kec].add(year)
    return out


def load_catalogue(session: Session) -> dict:
    """The lookups every kecamatan shares, read once: service types, holidays, rule sets."""
    return {"service_types": load_service_types(session), "holidays": load_holidays(session),
            "rule_sets": load_rule_sets(session)}


def default_processes(session: Session) -> int:
    """Processes for a full recompute: every core on PostgreSQL; one on SQLite (a single writer)."""
    if session.get_bind().dialect.name != "postgresql":
        return 1
    return max(1, os.cpu_count() or 1)


_CHILD: dict = {}


def _child_init(app, catalogue: dict) -> None:
    """A forked recompute process: the parent's app (its pool was emptied before the fork)."""
    context = app.app_context()
    context.push()
    _CHILD.update(catalogue=catalogue, context=context)


def _child_recompute(job: tuple[int, list[int]]) -> tuple[int, list[int], int]:
    from server.extensions import db

    kecamatan_id, years = job
    return kecamatan_id, years, recompute_kecamatan_years(db.session, kecamatan_id, years,
                                                          catalogue=_CHILD["catalogue"])


def recompute_everything(period: Period | None = None, session: Session | None = None,
                         processes: int | None = None) -> Iterator[str]:
    """Recompute every kecamatan (only ``period``'s year when given); yield one line per kecamatan.

    With several processes (PostgreSQL), kecamatan are handed out one at a time to forked
    processes, as the Celery prefork pool would; each recompute is still one transaction.
    """
    from server.extensions import db

    session = session or db.session
    pairs = years_with_data(session)
    catalogue = load_catalogue(session)
    processes = processes or default_processes(session)
    session.rollback()  # end the read transaction before taking locks
    jobs = [(kec, [period.year] if period is not None else sorted(pairs[kec])) for kec in sorted(pairs)]
    started = dt.datetime.now()
    if processes <= 1 or len(jobs) <= 1:
        results: Iterable[tuple[int, list[int], int]] = (
            (kec, years, recompute_kecamatan_years(session, kec, years, catalogue=catalogue)) for kec, years in jobs)
        yield from _report(results, started)
        return
    session.close()
    db.engine.dispose()  # forked children must not share the parent's connections
    app = current_app._get_current_object()
    with mp.get_context("fork").Pool(min(processes, len(jobs)), initializer=_child_init,
                                     initargs=(app, catalogue)) as pool:
        yield from _report(pool.imap_unordered(_child_recompute, jobs), started)


def _report(results: Iterable[tuple[int, list[int], int]], started: dt.datetime) -> Iterator[str]:
    total = count = 0
    for kecamatan_id, years, written in results:
        total += written
        count += 1
        yield f"kecamatan {kecamatan_id}: {', '.join(map(str, years))} → {written} results"
    seconds = (dt.datetime.now() - started).total_seconds()
    yield f"recomputed {count} kecamatan, {total} results in {seconds:.1f} s"
