"""SPEC §2a.7 as a test: whatever happens to the records, every stored result equals a fresh full
recompute — and both equal a second, naive implementation written from SPEC §2/§2a alone.

A hypothesis state machine drives the public surfaces of a running system (a fresh PostgreSQL
database, the app, a real Celery worker and beat on Redis): syncs of every form with dates across
timezones and year boundaries, corrections, reviews (reject, accept again, send back), resent
items and resent quarterly reports, follow-ups before and after their records, an SOP edit on the
admin page, and hostile items that must be refused. After every step it waits until the pipeline
has nothing left to do, then compares, for 2025, 2026 and their quarters, kecamatan-wide and per
kelurahan, every IKU's value, numerator, denominator, target, capaian and mutu:

- **stored** — ``GET /api/v1/indicators``, what the workers stored;
- **recompute** — the same after ``flask --app server recompute``;
- **naive** — ``tests/invariant/naive.py`` over the stored rows.

Each example gets a kecamatan of its own (2 kelurahan × 3 RW), so examples never see each
other's records; the service catalogue is shared, as it is in production. The run is bounded
(``SIKK_INVARIANT_BUDGET`` seconds, 90 by default) and reproducible (fixed seed, printed on
failure; ``SIKK_INVARIANT_SEED`` picks another). Exploration only: ``SIKK_INVARIANT_SURVEY=FILE``
writes every mismatch to FILE and goes on instead of failing at the first step that has one.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import time
from collections.abc import Iterator
from decimal import Decimal

import psycopg
import pytest
import redis
from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, get_state_machine_test, precondition, rule

from tests.conftest import make_test_app
from tests.integration.harness import dedicated_redis_db, fresh_pg_database
from tests.invariant import items as it
from tests.invariant import naive
from tests.invariant.stack import FIELDS, Kecamatan, Stack

SEED = int(os.environ.get("SIKK_INVARIANT_SEED", "20261203"))
BUDGET_SECONDS = float(os.environ.get("SIKK_INVARIANT_BUDGET", "90"))
EXAMPLES = int(os.environ.get("SIKK_INVARIANT_EXAMPLES", "3"))
STEPS = int(os.environ.get("SIKK_INVARIANT_STEPS", "15"))
SURVEY = os.environ.get("SIKK_INVARIANT_SURVEY")
REDIS_DB = 13  # a database of the test Redis of our own, flushed before and after


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("invariant")
    with fresh_pg_database() as pg_url:
        redis_url = dedicated_redis_db(REDIS_DB)
        app = make_test_app("postgresql+psycopg://" + pg_url.split("://", 1)[1], REDIS_URL=redis_url)
        with psycopg.connect(pg_url, autocommit=True) as conn:
            s = Stack(app, pg_url, redis_url, tmp, conn, redis.Redis.from_url(redis_url))
            s.set_targets()
            s.start()
            try:
                yield s
            finally:
                s.stop()
                dedicated_redis_db(REDIS_DB)


# -- comparing ---------------------------------------------------------------------------------------

def _number(value) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, (int, float, Decimal)) else value


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-6)


def _fmt(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def mismatches(kec: Kecamatan, stored: dict, recomputed: dict, expected: dict[tuple, naive.Result]) -> list[str]:
    """One line per (period, scope, IKU, field) where stored, recompute and naive do not all agree."""
    lines = []
    for key in sorted(expected, key=lambda k: (k[0], k[1] or 0, k[2])):
        period, scope, code = key
        n = expected[key]
        for name in FIELDS:
            if name == "mutu" and code != "IKU1":
                continue
            s, r = stored[key][name], recomputed[key][name]
            # "No data" leaves numerator and denominator to the implementation (SPEC: value and capaian null).
            judged = not (n.no_data and name in ("numerator", "denominator"))
            want = _number(getattr(n, name))
            if _same(s, r) and (not judged or (_same(s, want) and _same(r, want))):
                continue
            kinds = [k for k, bad in (("stale", not _same(s, r)), ("semantics", judged and not _same(r, want)))
                     if bad] or ["stored≠naive"]
            lines.append(f"  {period:8} {kec.scope_name(scope):20} {code} {name:11} stored={_fmt(s):8} "
                         f"recompute={_fmt(r):8} naive={_fmt(want):8} [{'+'.join(kinds)}]")
    return lines


# -- the state machine -------------------------------------------------------------------------------

class LifeOfARecord(RuleBasedStateMachine):
    """One kecamatan's records through their whole life, checked after every step."""

    stack: Stack  # set by the test
    started: float = 0.0
    survey_lines: list[str] = []

    def __init__(self) -> None:
        super().__init__()
        self.kec = self.stack.new_kecamatan()
        self.items: dict[str, dict] = {}  # id → the item as sent (stored ones only)
        self.root: dict[str, str] = {}  # id → the id of its chain's first version
        self.versions: dict[str, list[str]] = {}  # chain root → its versions' ids, in the order sent
        self.planned: list[dict] = []  # records whose follow-up was sent first
        self.completed: set[str] = set()  # service chains with a layanan-selesai (one completion each)
        self.ops: list[str] = []
        self.log(f"kecamatan {self.kec.nama} (id {self.kec.id}), kelurahan "
                 + ", ".join(f"{k}={n}" for k, n in self.kec.kelurahan_names.items()))

    # -- bookkeeping ---------------------------------------------------------------------------------
    def log(self, text: str) -> None:
        self.ops.append(f"{len(self.ops):3d}. {text}")

    def out_of_time(self) -> bool:
        return time.monotonic() - self.started > BUDGET_SECONDS

    def chains(self, *forms: str) -> list[str]:
        return sorted(root for root, ids in self.versions.items() if self.items[ids[0]]["form"] in forms)

    def tip(self, root: str) -> dict:
        return self.items[self.versions[root][-1]]

    def remember(self, item: dict) -> None:
        self.items[item["id"]] = item
        root = self.root.get(item.get("supersedes"), item["id"]) if item.get("supersedes") else item["id"]
        self.root[item["id"]] = root
        self.versions.setdefault(root, []).append(item["id"])

    def describe(self, item: dict) -> str:
        d = item["data"]
        extra = {"skm": lambda: "", "pengaduan": lambda: f" tanggal_terima={d['tanggal_terima']}",
                 "tindak-lanjut": lambda: f" tanggal={d['tanggal']}",
                 "layanan": lambda: f" {d['jenis_layanan']} terima={d['waktu_terima']} selesai={d.get('waktu_selesai')}",
                 "layanan-selesai": lambda: f" selesai={d['waktu_selesai']}",
                 "inspeksi-rw": lambda: f" baik={all((d['kebun_toga'], d['pengelolaan_sampah'] == 'baik', d['status_kumuh'] == 'tidak_kumuh', d['lembaga_aktif']))}",
                 "laporan-kelurahan": lambda: f" periode={d['periode']} aktif={d['lembaga_aktif']} "
                                              f"insiden={d['kejadian_kriminal'] + d['konflik_sosial']}"}[item["form"]]()
        links = "".join(f" {k}={item[k][:8]}" for k in ("ref", "supersedes") if item.get(k))
        return f"{item['form']} {item['id'][:8]} {item.get('subject', {})} observed={item['observed_at']}{extra}{links}"

    def send(self, items: list[dict], token: str | None = None, expect: str = "created") -> list[dict]:
        results = self.stack.sync(token or self.kec.officer, items)
        for item, result in zip(items, results):
            self.log(f"sync {self.describe(item)} → {result['status']}"
                     + (f" {result.get('errors')}" if result.get("errors") else ""))
            if expect == "created":
                assert result["status"] == "created", (
                    f"a valid item was not stored: {result}\n{item}\n" + self.history())
                self.remember(item)
        return results

    def history(self) -> str:
        return (f"seed {SEED} (SIKK_INVARIANT_SEED), {EXAMPLES} examples × {STEPS} steps; operations:\n"
                + "\n".join(self.ops))

    # -- the check after every step --------------------------------------------------------------
    def check(self, step: str) -> None:
        waited = self.stack.wait_caught_up()
        stored = self.stack.read_indicators(self.kec)
        self.stack.recompute()
        recomputed = self.stack.read_indicators(self.kec)
        expected = self.stack.naive_results(self.kec)
        lines = mismatches(self.kec, stored, recomputed, expected)
        self.log(f"  checked after {waited:.2f} s: {len(lines)} mismatches")
        if not lines:
            return
        report = (f"after step '{step}' of kecamatan {self.kec.nama}, stored / recompute / naive disagree "
                  f"[stale = stored≠recompute; semantics = recompute≠naive]:\n" + "\n".join(lines))
        if SURVEY:
            self.survey_lines.append(report + "\n" + "\n".join(self.ops[-12:]) + "\n")
            return
        raise AssertionError(report + "\n\n" + self.history())

    def step(self, name: str) -> bool:
        """Start a step; False when the time budget is spent (the step then does nothing)."""
        if self.out_of_time():
            return False
        self.log(f"[{name}]")
        return True

    # -- rules ---------------------------------------------------------------------------------------
    @rule(data=st.data())
    def sync_records(self, data) -> None:
        """A batch of new records of the five record forms."""
        if not self.step("sync records"):
            return
        builders = {"skm": it.skm, "pengaduan": it.pengaduan, "layanan": it.layanan, "inspeksi-rw": it.inspeksi,
                    "laporan-kelurahan": it.laporan}
        forms = data.draw(st.lists(st.sampled_from(sorted(builders)), min_size=1, max_size=4), label="forms")
        batch = [builders[form](data, self.kec) for form in forms]
        by_kiosk = all(i["form"] == "skm" for i in batch) and data.draw(st.booleans(), label="kiosk")
        self.send(batch, self.kec.kiosk if by_kiosk else None)
        self.check("sync records")

    @precondition(lambda self: self.chains("pengaduan", "layanan"))
    @rule(data=st.data())
    def follow_up(self, data) -> None:
        """A tindak-lanjut or layanan-selesai naming any version of a stored record."""
        if not self.step("follow-up after its record"):
            return
        open_lines = [r for r in self.chains("layanan") if r not in self.completed
                      and not any("waktu_selesai" in self.items[v]["data"] for v in self.versions[r])]
        pool = self.chains("pengaduan") + open_lines
        if not pool:
            self.log("  (no record left to follow up)")
            return
        root = data.draw(st.sampled_from(pool), label="record")
        ref = data.draw(st.sampled_from(self.versions[root]), label="version named")
        versions = [self.items[v]["data"] for v in self.versions[root]]
        if self.items[root]["form"] == "pengaduan":
            latest = max(dt.date.fromisoformat(v["tanggal_terima"]) for v in versions)
            self.send([it.tindak_lanjut(data, ref, latest)])
        else:
            latest = max(dt.datetime.fromisoformat(v["waktu_terima"]) for v in versions)
            self.send([it.layanan_selesai(data, ref, versions[-1]["jenis_layanan"], latest)])
            self.completed.add(root)
        self.check("follow-up after its record")

    @rule(data=st.data())
    def follow_up_first(self, data) -> None:
        """A follow-up that reaches the server before its record (the record is sent later)."""
        if not self.step("follow-up before its record"):
            return
        if data.draw(st.booleans(), label="complaint?"):
            record = it.pengaduan(data, self.kec)
            follow = it.tindak_lanjut(data, record["id"], dt.date.fromisoformat(record["data"]["tanggal_terima"]))
        else:
            record = it.layanan(data, self.kec, open_line=True)
            follow = it.layanan_selesai(data, record["id"], record["data"]["jenis_layanan"],
                                        dt.datetime.fromisoformat(record["data"]["waktu_terima"]))
        self.send([follow])
        self.planned.append(record)
        self.check("follow-up before its record")

    @precondition(lambda self: self.planned)
    @rule(data=st.data())
    def send_planned(self, data) -> None:
        """The record a follow-up was waiting for arrives."""
        if not self.step("the record after its follow-up"):
            return
        record = self.planned.pop(data.draw(st.integers(0, len(self.planned) - 1), label="planned"))
        self.send([record])
        if record["form"] == "layanan":
            self.completed.add(record["id"])
        self.check("the record after its follow-up")

    @precondition(lambda self: self.versions)
    @rule(data=st.data())
    def correct(self, data) -> None:
        """A correction: a new version that supersedes the latest one sent."""
        if not self.step("correction"):
            return
        root = data.draw(st.sampled_from(sorted(self.versions)), label="chain")
        previous = self.tip(root)
        new = it.corrected(data, previous)
        status = self.stack.stored(previous["id"])
        result = self.send([new], expect="any")[0]
        if result["status"] == "created":
            self.remember(new)
        else:
            # Only a rejected predecessor may be refused as the one to correct.
            assert status and status[0] == "rejected" and set(result.get("errors", {})) == {"supersedes"}, (
                f"a valid correction was not stored: {result}\n{new}\n" + self.history())
        self.check("correction")

    @precondition(lambda self: self.items)
    @rule(data=st.data())
    def review(self, data) -> None:
        """Terima, Tolak or Kembalikan on a record's admin page (rejected ones are often accepted again)."""
        if not self.step("review"):
            return
        rejected = [i for i in sorted(self.items) if (self.stack.stored(i) or ("",))[0] == "rejected"]
        pool = rejected if rejected and data.draw(st.booleans(), label="re-review a rejected one?") else sorted(self.items)
        target = data.draw(st.sampled_from(pool), label="record")
        decision = data.draw(st.sampled_from(("reject", "reject", "accept", "return")), label="decision")
        before = self.stack.stored(target)
        code = self.stack.review(self.kec, target, decision)
        after = self.stack.stored(target)
        self.log(f"review {decision} {self.describe(self.items[target])} → HTTP {code}, "
                 f"{before[0] if before else None} → {after[0] if after else None}")
        self.check(f"review {decision}")

    @precondition(lambda self: self.items)
    @rule(data=st.data())
    def resend(self, data) -> None:
        """A phone that never saw the acknowledgement sends the same item again."""
        if not self.step("resend"):
            return
        original = self.items[data.draw(st.sampled_from(sorted(self.items)), label="item")]
        result = self.send([original], expect="any")[0]
        assert result["status"] == "duplicate", f"a resent item: {result}\n" + self.history()
        self.check("resend")

    @precondition(lambda self: self.chains("laporan-kelurahan"))
    @rule(data=st.data())
    def resend_report(self, data) -> None:
        """Another report for a kelurahan and quarter that already has one (a new id, new numbers)."""
        if not self.step("another report for the same quarter"):
            return
        earlier = self.tip(data.draw(st.sampled_from(self.chains("laporan-kelurahan")), label="report"))
        again = it.laporan(data, self.kec, earlier["subject"]["kelurahan_id"], earlier["data"]["periode"])
        self.send([again])
        self.check("another report for the same quarter")

    @rule(data=st.data())
    def edit_sop(self, data) -> None:
        """The kecamatan admin changes a service type's SOP duration, from today on."""
        if not self.step("SOP edit"):
            return
        code = data.draw(st.sampled_from(it.CODES), label="service type")
        unit = self.stack.catalogue[code][-1].unit
        choices = (10, 15, 30, 45, 60, 90) if unit == "minutes" else (1, 2, 3, 5)
        value = data.draw(st.sampled_from([c for c in choices if c != self.stack.catalogue[code][-1].value]))
        today = it.today()
        self.stack.edit_sop(self.kec, code, value, today)
        self.log(f"SOP of {code}: {value} {unit} from {today}")
        self.check("SOP edit")

    @rule(data=st.data())
    def hostile(self, data) -> None:
        """An item no validator may let through; it must come back invalid and never be stored."""
        if not self.step("hostile item"):
            return
        kinds = list(it.HOSTILE)
        complaints, services = self.chains("pengaduan"), self.chains("layanan")
        if complaints:
            kinds.append("tindak-lanjut before its complaint")
        if services:
            kinds.append("layanan-selesai before its service")
        kind = data.draw(st.sampled_from(kinds), label="hostile")
        stored = None
        if kind.startswith("tindak-lanjut"):
            stored = self.tip(data.draw(st.sampled_from(complaints)))
        elif kind.startswith("layanan-selesai"):
            stored = self.tip(data.draw(st.sampled_from(services)))
        bad = it.hostile(kind, self.kec, stored)
        result = self.send([bad], expect="any")[0]
        kept = self.stack.stored(bad["id"]) is not None
        if result["status"] != "invalid" or kept:
            message = f"hostile item '{kind}' → {result['status']}, stored={kept}: {bad}"
            if not SURVEY:
                raise AssertionError(message + "\n\n" + self.history())
            self.survey_lines.append(message + "\n")
        self.check(f"hostile item {kind}")


def test_every_stored_result_equals_a_recompute_and_the_naive_reading(stack):
    LifeOfARecord.stack = stack
    LifeOfARecord.started = time.monotonic()
    LifeOfARecord.survey_lines = []
    run = get_state_machine_test(LifeOfARecord, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
        phases=(Phase.explicit, Phase.generate),  # no shrinking: every step costs a real round trip
        suppress_health_check=list(HealthCheck), report_multiple_bugs=False, print_blob=False))
    seed(SEED)(run)()
    if SURVEY:
        with open(SURVEY, "w") as out:
            out.write("\n".join(LifeOfARecord.survey_lines))
        assert not LifeOfARecord.survey_lines, f"{len(LifeOfARecord.survey_lines)} steps disagree; see {SURVEY}"
