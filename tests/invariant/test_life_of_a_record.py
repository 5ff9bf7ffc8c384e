"""Always equal to a recompute, as a test: whatever happens to the records, every stored result
equals a fresh full recompute — and both equal a second, naive implementation written from the
rules of the six IKU and of the life of a record (docs/scoring.md) alone.

A rule-based state machine, driven by seeded random sequences, works the public surfaces of a
running system (a fresh PostgreSQL database, the app, a real Celery worker and beat on Redis):
syncs of every form with dates across timezones and year boundaries, rounds of inspections,
reports and surveys, bursts of a few hundred records with corrections and reviews among them, corrections, reviews (reject, accept again, send back), resent items and
resent quarterly reports, follow-ups before and after their records, an SOP edit on the admin
page, and hostile items that must be refused. After every step it waits until the pipeline has
nothing left to do, then compares, for 2025, 2026 and their quarters, kecamatan-wide and per
kelurahan, every IKU's value, numerator, denominator, target, capaian and mutu, and each
kelurahan's K1–K7 verdicts:

- **stored** — ``GET /api/v1/indicators`` (and ``/indicators/criteria``), what the workers stored;
- **recompute** — what ``flask --app server recompute`` then writes (at every other check: a
  recompute writes every row, after which the workers' next recompute writes every row too — they
  write only rows they know stored as they are, ``workers.result_memo`` — so the checks between
  leave the stored rows as the workers alone left them and compare them with naive, which every
  recompute equals);
- **naive** — ``tests/invariant/naive.py`` over the stored rows.

A mismatch is reported per period, scope, IKU and field with all three values, marked *stale*
(stored ≠ recompute) and/or *semantics* (recompute ≠ naive), followed by the operations so far.

Each sequence gets a kecamatan of its own (2 kelurahan × 3 RW), so sequences never see each
other's records; the service catalogue is shared, as in production. The run is bounded
(``SIKK_INVARIANT_BUDGET`` seconds of steps, 60 by default: about 90 s with the setup) and
reproducible (a fixed seed, printed on failure; ``SIKK_INVARIANT_SEED`` picks another).
Exploration only: ``SIKK_INVARIANT_SURVEY=FILE`` writes every mismatch to FILE and goes on
instead of failing at the first step that has one; ``SIKK_INVARIANT_RULES_OFF=hostile,edit_sop``
leaves rules out.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import random
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest

from tests.invariant import items as it
from tests.invariant import naive
from tests.invariant.stack import FIELDS, Kecamatan, Stack, running_stack

SEED = int(os.environ.get("SIKK_INVARIANT_SEED", "20261203"))
BUDGET_SECONDS = float(os.environ.get("SIKK_INVARIANT_BUDGET", "60"))  # + ~20–30 s to set up
SEQUENCES = int(os.environ.get("SIKK_INVARIANT_SEQUENCES", "3"))
STEPS = int(os.environ.get("SIKK_INVARIANT_STEPS", "15"))
MIN_CHECKS = 8
SURVEY = os.environ.get("SIKK_INVARIANT_SURVEY")
RULES_OFF = set(filter(None, os.environ.get("SIKK_INVARIANT_RULES_OFF", "").split(",")))  # exploration only
REDIS_DB = 13  # a database of the test Redis of our own, flushed before and after


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("invariant"), REDIS_DB, targets=True) as running:
        yield running


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
            # "No data" leaves numerator and denominator to the implementation (the rule: value and capaian null).
            judged = not (n.no_data and name in ("numerator", "denominator"))
            want = _number(getattr(n, name))
            if _same(s, r) and (not judged or (_same(s, want) and _same(r, want))):
                continue
            kinds = [k for k, bad in (("stale", not _same(s, r)), ("semantics", judged and not _same(r, want)))
                     if bad] or ["stored≠naive"]
            lines.append(f"  {period:8} {kec.scope_name(scope):20} {code} {name:11} stored={_fmt(s):8} "
                         f"recompute={_fmt(r):8} naive={_fmt(want):8} [{'+'.join(kinds)}]")
    return lines


def criteria_mismatches(kec: Kecamatan, stored: dict, recomputed: dict,
                        expected: dict[tuple, naive.Result]) -> list[str]:
    """One line per (period, kelurahan, K) whose verdict is not the same in all three (periods with data)."""
    lines = []
    for label in sorted({k[0] for k in expected}):
        iku5 = expected[(label, None, "IKU5")]
        if iku5.no_data:
            continue  # "no data": the drill-down is the implementation's own
        for kel, verdicts in sorted(iku5.detail["criteria"].items()):
            for name, want in verdicts.items():
                s, r = stored.get((label, kel, name)), recomputed.get((label, kel, name))
                if s == r == want:
                    continue
                kinds = [k for k, bad in (("stale", s != r), ("semantics", r != want)) if bad] or ["stored≠naive"]
                lines.append(f"  {label:8} {kec.scope_name(kel):20} IKU5 {name} held   stored={_fmt(s):8} "
                             f"recompute={_fmt(r):8} naive={_fmt(want):8} [{'+'.join(kinds)}]")
    return lines


# -- the state machine -------------------------------------------------------------------------------

class LifeOfARecord:
    """One kecamatan's records through their whole life, checked after every step.

    A rule-based state machine driven by a seeded ``random.Random``: each step picks one of the
    rules that apply (by weight), does it through the public API and checks the invariant.
    """

    def __init__(self, stack: Stack, r: random.Random, name: str) -> None:
        self.stack, self.r, self.name = stack, r, name
        self.kec = stack.new_kecamatan()
        self.items: dict[str, dict] = {}  # id → the item as sent (stored ones only)
        self.root: dict[str, str] = {}  # id → the id of its chain's first version
        self.versions: dict[str, list[str]] = {}  # chain root → its versions' ids, in the order sent
        self.planned: list[dict] = []  # records whose follow-up was sent first
        self.completed: set[str] = set()  # service chains with a layanan-selesai (one completion each)
        self.ops: list[str] = []
        self.survey: list[str] = []
        self.seen: set[str] = set()
        self.checks = 0
        self.log(f"sequence {name}: kecamatan {self.kec.nama} (id {self.kec.id}), kelurahan "
                 + ", ".join(f"{k}={n}" for k, n in self.kec.kelurahan_names.items()))

    def rules(self) -> list[tuple[int, object]]:
        """(weight, rule) of every rule that applies now."""
        candidates = [
            (6, self.sync_records, True),
            (2, self.burst, True),
            (3, self.follow_up, bool(self.chains("pengaduan", "layanan"))),
            (2, self.follow_up_first, True),
            (3, self.send_planned, bool(self.planned)),
            (4, self.correct, bool(self.versions)),
            (5, self.review, bool(self.items)),
            (1, self.resend, bool(self.items)),
            (2, self.resend_report, bool(self.chains("laporan-kelurahan"))),
            (1, self.edit_sop, True),
            (2, self.hostile, True),
        ]
        return [(weight, rule) for weight, rule, applies in candidates if applies and rule.__name__ not in RULES_OFF]

    def run(self, steps: int, deadline: float) -> None:
        for _ in range(steps):
            if time.monotonic() > deadline:
                return
            weights, rules = zip(*self.rules())
            self.r.choices(rules, weights)[0]()

    # -- bookkeeping ---------------------------------------------------------------------------------
    def log(self, text: str) -> None:
        self.ops.append(f"{len(self.ops):3d}. {text}")

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
        return (f"sequence {self.name} (seed {SEED}: SIKK_INVARIANT_SEED; {SEQUENCES} sequences × {STEPS} steps); "
                f"operations:\n"
                + "\n".join(self.ops))

    # -- the check after every step --------------------------------------------------------------
    def check(self, step: str) -> None:
        t0 = time.monotonic()
        waited = self.stack.wait_caught_up()
        t1 = time.monotonic()
        stored = self.stack.read_indicators(self.kec)
        stored_criteria = self.stack.read_criteria(self.kec)
        t2 = time.monotonic()
        full = self.checks % 2 == 0  # else the stored rows stay as the workers left them (docstring)
        if full:
            try:
                self.stack.recompute()
            except AssertionError as err:
                pytest.fail(f"after step '{step}': {err}\n\n{self.history()}", pytrace=False)
        t3 = time.monotonic()
        recomputed = self.stack.read_recomputed(self.kec) if full else stored
        recomputed_criteria = self.stack.read_recomputed_criteria(self.kec) if full else stored_criteria
        t4 = time.monotonic()
        expected = self.stack.naive_results(self.kec)
        t5 = time.monotonic()
        lines = (mismatches(self.kec, stored, recomputed, expected)
                 + criteria_mismatches(self.kec, stored_criteria, recomputed_criteria, expected))
        self.checks += 1
        self.log(f"  checked: {len(lines)} mismatches (caught up in {waited:.2f} s; read {t2 - t1:.2f} s, "
                 f"recompute {t3 - t2:.2f} s, read {t4 - t3:.2f} s, naive {t5 - t4:.2f} s)")
        if not lines:
            return
        report = (f"after step '{step}' of kecamatan {self.kec.nama}, stored / recompute / naive disagree "
                  f"[stale = stored≠recompute; semantics = recompute≠naive]"
                  f"{'' if full else ' (no recompute at this check: recompute shows the stored rows)'}:\n"
                  + "\n".join(lines))
        if SURVEY:  # exploration: note what this step changed, go on
            new = [line for line in lines if line not in self.seen]
            self.seen.update(lines)
            if new:
                self.survey.append(f"sequence {self.name}, after step '{step}': {len(new)} new of {len(lines)}\n"
                                   + "\n".join(new) + "\n" + "\n".join(self.ops[-8:]) + "\n")
            return
        pytest.fail(report + "\n\n" + self.history(), pytrace=False)

    # -- rules ---------------------------------------------------------------------------------------
    def sync_records(self) -> None:
        """A batch of new records: a mixed one, or an inspection, report or survey round."""
        self.log("[sync records]")
        builders = {"skm": it.skm, "pengaduan": it.pengaduan, "layanan": it.layanan, "inspeksi-rw": it.inspeksi,
                    "laporan-kelurahan": it.laporan}
        kind = self.r.choice(("mixed", "mixed", "mixed", "rw round", "report round", "survey round"))
        if kind == "mixed":
            batch = [builders[form](self.r, self.kec)
                     for form in (self.r.choice(sorted(builders)) for _ in range(self.r.randint(1, 4)))]
        else:
            batch = {"rw round": it.rw_round, "report round": it.report_round,
                     "survey round": it.survey_round}[kind](self.r, self.kec)
        by_kiosk = all(i["form"] == "skm" for i in batch) and self.r.random() < 0.5
        self.send(batch, self.kec.kiosk if by_kiosk else None)
        self.check("sync records")

    def follow_up(self) -> None:
        """A tindak-lanjut or layanan-selesai naming any version of a stored record."""
        self.log("[follow-up after its record]")
        open_lines = [r for r in self.chains("layanan") if r not in self.completed
                      and not any("waktu_selesai" in self.items[v]["data"] for v in self.versions[r])]
        pool = self.chains("pengaduan") + open_lines
        if not pool:
            self.log("  (no record left to follow up)")
            return
        root = self.r.choice(pool)
        ref = self.r.choice(self.versions[root])
        versions = [self.items[v]["data"] for v in self.versions[root]]
        if self.items[root]["form"] == "pengaduan":
            latest = max(dt.date.fromisoformat(v["tanggal_terima"]) for v in versions)
            self.send([it.tindak_lanjut(self.r, ref, latest)])
        else:
            latest = max(dt.datetime.fromisoformat(v["waktu_terima"]) for v in versions)
            self.send([it.layanan_selesai(self.r, ref, versions[-1]["jenis_layanan"], latest)])
            self.completed.add(root)
        self.check("follow-up after its record")

    def follow_up_first(self) -> None:
        """A follow-up that reaches the server before its record (the record is sent later)."""
        self.log("[follow-up before its record]")
        if self.r.random() < 0.5:
            record = it.pengaduan(self.r, self.kec)
            follow = it.tindak_lanjut(self.r, record["id"], dt.date.fromisoformat(record["data"]["tanggal_terima"]))
        else:
            record = it.layanan(self.r, self.kec, open_line=True)
            follow = it.layanan_selesai(self.r, record["id"], record["data"]["jenis_layanan"],
                                        dt.datetime.fromisoformat(record["data"]["waktu_terima"]))
        self.send([follow])
        self.planned.append(record)
        self.check("follow-up before its record")

    def send_planned(self) -> None:
        """The record a follow-up was waiting for arrives."""
        self.log("[the record after its follow-up]")
        record = self.planned.pop(self.r.randrange(len(self.planned)))
        self.send([record])
        if record["form"] == "layanan":
            self.completed.add(record["id"])
        self.check("the record after its follow-up")

    def correct(self) -> None:
        """A correction: a new version that supersedes the latest one sent."""
        self.log("[correction]")
        self.send_correction()
        self.check("correction")

    def send_correction(self) -> None:
        root = self.r.choice(sorted(self.versions))
        previous = self.tip(root)
        new = it.corrected(self.r, previous)
        status = self.stack.stored(previous["id"])
        result = self.send([new], expect="any")[0]
        if result["status"] == "created":
            self.remember(new)
        else:
            # Only a rejected predecessor may be refused as the one to correct.
            assert status and status[0] == "rejected" and set(result.get("errors", {})) == {"supersedes"}, (
                f"a valid correction was not stored: {result}\n{new}\n" + self.history())

    def review(self) -> None:
        """Terima, Tolak or Kembalikan on a record's admin page (rejected ones are often accepted again)."""
        self.log("[review]")
        decision = self.press_review()
        self.check(f"review {decision}")

    def press_review(self) -> str:
        rejected = [i for i in sorted(self.items) if (self.stack.stored(i) or ("",))[0] == "rejected"]
        pool = rejected if rejected and self.r.random() < 0.5 else sorted(self.items)
        target = self.r.choice(pool)
        decision = self.r.choice(("reject", "reject", "accept", "return"))
        before = self.stack.stored(target)
        code = self.stack.review(self.kec, target, decision)
        after = self.stack.stored(target)
        self.log(f"review {decision} {self.describe(self.items[target])} → HTTP {code}, "
                 f"{before[0] if before else None} → {after[0] if after else None}")
        return decision

    def burst(self) -> None:
        """A burst, as a sustained ingest brings it: a few hundred records in batches of up to 100
        (rounds of RW inspections above all, surveys and complaints), then corrections and review
        decisions among them — all before one check, so the workers' stale-mark recomputes see many
        changes at once (the incremental path: collections updated, indexes derived, results of
        untouched kelurahan and periods reused) and the check compares them with a full recompute."""
        self.log("[burst]")
        batch = [one for _ in range(self.r.randint(3, 8)) for one in it.rw_round(self.r, self.kec)]
        batch += [it.inspeksi(self.r, self.kec) for _ in range(self.r.randint(30, 120))]
        batch += [self.r.choice((it.skm, it.pengaduan, it.layanan))(self.r, self.kec)
                  for _ in range(self.r.randint(10, 40))]
        for start in range(0, len(batch), 100):
            self.send(batch[start:start + 100])
        for _ in range(self.r.randint(2, 6)):
            if self.r.random() < 0.5:
                self.log("[correction in the burst]")
                self.send_correction()
            else:
                self.log("[review in the burst]")
                self.press_review()
        self.check("burst")

    def resend(self) -> None:
        """A phone that never saw the acknowledgement sends the same item again."""
        self.log("[resend]")
        original = self.items[self.r.choice(sorted(self.items))]
        result = self.send([original], expect="any")[0]
        assert result["status"] == "duplicate", f"a resent item: {result}\n" + self.history()
        self.check("resend")

    def resend_report(self) -> None:
        """Another report for a kelurahan and quarter that already has one (a new id, new numbers)."""
        self.log("[another report for the same quarter]")
        earlier = self.tip(self.r.choice(self.chains("laporan-kelurahan")))
        again = it.laporan(self.r, self.kec, earlier["subject"]["kelurahan_id"], earlier["data"]["periode"])
        self.send([again])
        self.check("another report for the same quarter")

    def edit_sop(self) -> None:
        """The kecamatan admin changes a service type's SOP duration, from today on."""
        self.log("[SOP edit]")
        code = self.r.choice(it.CODES)
        unit = self.stack.catalogue[code][-1].unit
        choices = (10, 15, 30, 45, 60, 90) if unit == "minutes" else (1, 2, 3, 5)
        value = self.r.choice([c for c in choices if c != self.stack.catalogue[code][-1].value])
        today = it.today()
        self.stack.edit_sop(self.kec, code, value, today)
        self.log(f"SOP of {code}: {value} {unit} from {today}")
        self.check("SOP edit")

    def hostile(self) -> None:
        """An item no validator may let through; it must come back invalid and never be stored."""
        self.log("[hostile item]")
        kinds = list(it.HOSTILE)
        complaints, services = self.chains("pengaduan"), self.chains("layanan")
        if complaints:
            kinds.append("tindak-lanjut before its complaint")
        if services:
            kinds.append("layanan-selesai before its service")
        kind = self.r.choice(kinds)
        stored = None
        if kind.startswith("tindak-lanjut"):
            stored = self.tip(self.r.choice(complaints))
        elif kind.startswith("layanan-selesai"):
            stored = self.tip(self.r.choice(services))
        bad = it.hostile(kind, self.kec, stored)
        result = self.send([bad], expect="any")[0]
        kept = self.stack.stored(bad["id"]) is not None
        if result["status"] != "invalid" or kept:
            message = f"hostile item '{kind}' → {result['status']}, stored={kept}: {bad}"
            if not SURVEY:
                pytest.fail(message + "\n\n" + self.history(), pytrace=False)
            self.survey.append(message + "\n")
            # Exploration goes on: take the item out again, or it poisons every later step.
            self.stack.conn.execute("DELETE FROM submissions WHERE id = %s", (bad["id"],))
            self.stack.cli("recompute", "--processes", "1")
        self.check(f"hostile item {kind}")


def test_every_stored_result_equals_a_recompute_and_the_naive_reading(stack):
    deadline = time.monotonic() + BUDGET_SECONDS
    machines = []
    for number in range(SEQUENCES):
        if time.monotonic() > deadline:
            break
        machine = LifeOfARecord(stack, random.Random(f"{SEED}:{number}"), f"{SEED}:{number}")
        machines.append(machine)
        machine.run(STEPS, deadline)
    checked = sum(m.checks for m in machines)
    # A run that the budget cut to almost nothing proves nothing: the machine is too slow to test.
    assert checked >= MIN_CHECKS, f"only {checked} steps checked within {BUDGET_SECONDS:.0f} s"
    if SURVEY:
        lines = [line for m in machines for line in m.survey]
        with open(SURVEY, "w") as out:
            out.write("\n".join(lines) + "\n\n" + "\n\n".join("\n".join(m.ops) for m in machines))
        assert not lines, f"{len(lines)} steps disagree; see {SURVEY}"
