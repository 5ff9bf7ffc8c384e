"""Submission items as devices send them, with the odd dates real field data has (seeded random draws).

Every builder returns a *valid* item of the default forms (docs/forms.md; the test asserts it is
stored), except those in :data:`HOSTILE`, which the rules of a record's life (follow-ups keep time)
and the documented date window require to be refused.
"""
from __future__ import annotations

import copy
import datetime as dt
import uuid

import random

from tests.invariant import naive

UTC = dt.timezone.utc
OFFSETS = (7, 7, 7, 8, 9, 0, -5)  # hours: mostly WIB, then WITA, WIT, UTC and a traveller's phone
QUARTERS = tuple(f"{y}-Q{q}" for y in (2025, 2026) for q in range(1, 5))
CODES = tuple(naive.DEFAULT_SOP)
KATEGORI = ("pelayanan", "infrastruktur", "kebersihan", "keamanan", "sosial", "lainnya")
SALURAN = ("kotak", "langsung", "telepon", "daring")
# Instants where the device's offset and Asia/Jakarta disagree about the day, quarter or year.
BOUNDARY_INSTANTS = (
    "2025-12-31T23:30:00+07:00", "2026-01-01T00:30:00+09:00", "2025-12-31T17:30:00Z", "2025-12-31T16:59:00Z",
    "2026-03-31T23:59:00+07:00", "2026-04-01T00:10:00+08:00", "2026-06-30T18:00:00-05:00",
    "2025-09-30T20:00:00-03:00", "2025-03-31T17:30:00Z", "2024-12-31T23:00:00+07:00", "2025-01-01T06:30:00+09:00",
)
BOUNDARY_DATES = ("2024-12-31", "2025-01-01", "2025-03-31", "2025-04-01", "2025-09-30", "2025-10-01", "2025-12-31",
                  "2026-01-01", "2026-06-30", "2026-07-01")


def new_id() -> str:
    return str(uuid.uuid4())


def now() -> dt.datetime:
    return dt.datetime.now(UTC)


def today() -> dt.date:
    return dt.datetime.now(naive.TZ).date()


def iso(t: dt.datetime) -> str:
    text = t.isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def zone(hours: int) -> dt.timezone:
    return dt.timezone(dt.timedelta(hours=hours))


def item(form: str, subject: dict | None, observed_at: str, data: dict, **extra) -> dict:
    out = {"id": new_id(), "form": form, "form_version": 1, "observed_at": observed_at, "data": data}
    if subject is not None:
        out["subject"] = subject
    out.update({k: v for k, v in extra.items() if v is not None})
    return out


# -- drawing instants and dates ----------------------------------------------------------------------

def draw_instant(r: random.Random, years=(2025, 2026), today_share: bool = False) -> dt.datetime:
    """A moment in the field (aware, in the device's offset), always at least an hour ago."""
    kinds = ["random", "random", "boundary"] + (["today", "today"] if today_share else [])
    kind = r.choice(kinds)
    latest = now() - dt.timedelta(hours=1)
    if kind == "boundary":
        t = dt.datetime.fromisoformat(r.choice(BOUNDARY_INSTANTS))
        if t.year in years or t.astimezone(naive.TZ).year in years:
            return t
    if kind == "today":
        minutes = r.randint(60, 400)
        return (now() - dt.timedelta(minutes=minutes)).astimezone(zone(r.choice(OFFSETS)))
    year = r.choice(years)
    t = dt.datetime(year, r.randint(1, 12), r.randint(1, 28), r.randint(0, 23), r.choice((0, 15, 30, 45)),
                    tzinfo=zone(r.choice(OFFSETS)))
    if t > latest:
        t = (latest - dt.timedelta(hours=r.randint(1, 2000))).astimezone(t.tzinfo)
    return t


def draw_date(r: random.Random, years=(2025, 2026)) -> dt.date:
    """A calendar date (a complaint's tanggal_terima), never after yesterday."""
    if r.randint(0, 4) == 0:
        day = dt.date.fromisoformat(r.choice(BOUNDARY_DATES))
        if day.year in years:
            return day
    day = dt.date(r.choice(years), r.randint(1, 12), r.randint(1, 28))
    return min(day, today() - dt.timedelta(days=1))


def not_after_now(t: dt.datetime, margin_minutes: int = 1) -> dt.datetime:
    latest = now() - dt.timedelta(minutes=margin_minutes)
    return t if t <= latest else latest.astimezone(t.tzinfo)


def at_local(day: dt.date, hour: int, offset: int) -> dt.datetime:
    """``hour`` o'clock WIB on ``day``, written in the device's offset."""
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=zone(7)).astimezone(zone(offset))


# -- the forms ---------------------------------------------------------------------------------------

def unit_subject(r: random.Random, kec) -> dict:
    choice = r.choice([*kec.kelurahan, *kec.kelurahan, None])
    return {"kecamatan_id": kec.id} if choice is None else {"kelurahan_id": choice}


def skm(r: random.Random, kec) -> dict:
    answers = [r.choice((1, 2, 3, 3, 3, 4, 4, 4)) for _ in range(9)]
    return item("skm", unit_subject(r, kec), iso(draw_instant(r)), {f"u{i}": a for i, a in enumerate(answers, 1)})


def pengaduan(r: random.Random, kec, tanggal: dt.date | None = None) -> dict:
    tanggal = tanggal or draw_date(r)
    delay = r.choice((0, 0, 0, 1, 3, 20))
    observed = not_after_now(at_local(tanggal + dt.timedelta(days=delay), 10, r.choice(OFFSETS)))
    return item("pengaduan", unit_subject(r, kec), iso(observed),
                {"tanggal_terima": tanggal.isoformat(), "saluran": r.choice(SALURAN),
                 "kategori": r.choice(KATEGORI), "uraian": "Uji invarian."})


def elapsed(r: random.Random, code: str) -> dt.timedelta:
    if naive.DEFAULT_SOP[code][2] == "minutes":
        return dt.timedelta(minutes=r.randint(1, 100))
    return dt.timedelta(days=r.randint(0, 7), hours=r.randint(0, 8))


def layanan(r: random.Random, kec, open_line: bool | None = None) -> dict:
    code = r.choice(CODES)
    received = draw_instant(r, today_share=True)
    payload = {"jenis_layanan": code, "waktu_terima": iso(received)}
    if open_line is None:
        open_line = r.random() < 0.5
    if not open_line:
        done = received + elapsed(r, code)
        if done <= now() - dt.timedelta(minutes=1):
            payload["waktu_selesai"] = iso(done.astimezone(zone(r.choice(OFFSETS))))
    return item("layanan", unit_subject(r, kec), iso(received), payload)


def inspeksi(r: random.Random, kec) -> dict:
    rw = r.choice([rw for rws in kec.rw.values() for rw in rws])
    if r.randint(0, 2) > 0:
        fields = {"kebun_toga": True, "pengelolaan_sampah": "baik", "status_kumuh": "tidak_kumuh",
                  "lembaga_aktif": True}
    else:
        fields = {"kebun_toga": r.random() < 0.5,
                  "pengelolaan_sampah": r.choice(("baik", "cukup", "buruk")),
                  "status_kumuh": r.choice(("kumuh", "tidak_kumuh")),
                  "lembaga_aktif": r.random() < 0.5}
    fields.update(kejadian_kriminal=r.randint(0, 3), konflik_sosial=r.randint(0, 2))
    return item("inspeksi-rw", {"rw_id": rw}, iso(draw_instant(r, years=(2024, 2025, 2026))), fields)


def laporan_data(r: random.Random, periode: str) -> tuple[dict, dt.date]:
    """The fields of a quarterly report (dates mostly on time) and the last of its dates."""
    end = naive.Period.parse(periode).end
    dates = {}
    for key in naive.REPORT_DATES:
        day = end + dt.timedelta(days=r.choice((-5, 2, 5, 8, 10, 10, 11, 20)))
        dates[key] = min(day, today() - dt.timedelta(days=1)).isoformat()
    fields = {"periode": periode, "lembaga_aktif": r.choice((True, True, True, False)),
              "kejadian_kriminal": r.randint(0, 3), "konflik_sosial": r.randint(0, 2),
              **dates}
    return fields, max(dt.date.fromisoformat(d) for d in dates.values())


def laporan(r: random.Random, kec, kelurahan_id: int | None = None, periode: str | None = None) -> dict:
    kelurahan_id = kelurahan_id or r.choice(kec.kelurahan)
    periode = periode or r.choice(QUARTERS)
    fields, last = laporan_data(r, periode)
    observed = at_local(last + dt.timedelta(days=r.randint(0, 3)), r.randint(7, 20),
                        r.choice(OFFSETS))
    return item("laporan-kelurahan", {"kelurahan_id": kelurahan_id}, iso(not_after_now(observed, 60)), fields)


# -- rounds: what an officer sends after a day in the field -----------------------------------------

def rw_round(r: random.Random, kec) -> list[dict]:
    """Inspections of every RW of one kelurahan on one round (mostly all Baik)."""
    kel = r.choice(kec.kelurahan)
    start = draw_instant(r, years=(2024, 2025, 2026))
    good = r.random() < 0.75
    out = []
    for n, rw in enumerate(kec.rw[kel]):
        one = inspeksi(r, kec)
        one["subject"] = {"rw_id": rw}
        one["observed_at"] = iso(not_after_now(start + dt.timedelta(minutes=40 * n)))
        if good:
            one["data"].update(kebun_toga=True, pengelolaan_sampah="baik", status_kumuh="tidak_kumuh",
                               lembaga_aktif=True)
        out.append(one)
    return out


def report_round(r: random.Random, kec) -> list[dict]:
    """One kelurahan's quarterly reports of a year, sometimes with one quarter missing."""
    kel = r.choice(kec.kelurahan)
    year = r.choice((2025, 2026))
    quarters = [q for q in range(1, 5) if year == 2025 or q < 4 or r.random() < 0.3]
    if r.random() < 0.3:
        quarters.remove(r.choice(quarters))
    return [laporan(r, kec, kel, f"{year}-Q{q}") for q in quarters]


def survey_round(r: random.Random, kec) -> list[dict]:
    """A few satisfied respondents at one unit within one quarter."""
    subject = unit_subject(r, kec)
    quarter = naive.Period.parse(r.choice(QUARTERS))
    out = []
    for _ in range(r.randint(2, 5)):
        day = quarter.start + dt.timedelta(days=r.randint(0, (quarter.end - quarter.start).days))
        observed = not_after_now(at_local(day, r.randint(8, 15), r.choice(OFFSETS)), 120)
        answers = {f"u{i}": r.choice((3, 3, 4, 4, 4)) for i in range(1, 10)}
        out.append(item("skm", subject, iso(observed), answers))
    return out


def tindak_lanjut(r: random.Random, ref: str, not_before: dt.date) -> dict:
    day = min(not_before + dt.timedelta(days=r.choice((0, 1, 5, 30, 90))),
              today())
    observed = not_after_now(at_local(day, 12, r.choice(OFFSETS)))
    return item("tindak-lanjut", None, iso(observed), {"tanggal": day.isoformat(), "tindakan": "Ditindaklanjuti."},
                ref=ref)


def layanan_selesai(r: random.Random, ref: str, code: str, received: dt.datetime) -> dict:
    done = not_after_now(received + elapsed(r, code)).astimezone(zone(r.choice(OFFSETS)))
    return item("layanan-selesai", None, iso(done), {"waktu_selesai": iso(done)}, ref=ref)


# -- corrections -------------------------------------------------------------------------------------

def corrected(r: random.Random, previous: dict) -> dict:
    """A correction of ``previous`` (a new id that supersedes it), with its content changed."""
    new = copy.deepcopy(previous)
    new["id"] = new_id()
    new["supersedes"] = previous["id"]
    d = new["data"]
    form = new["form"]
    if form == "skm":
        for key in r.sample([f"u{i}" for i in range(1, 10)], r.randint(1, 5)):
            d[key] = r.randint(1, 4)
    elif form == "pengaduan":
        d["kategori"] = r.choice(KATEGORI)
        back = r.choice((0, 0, 1, 10, 40))
        d["tanggal_terima"] = (dt.date.fromisoformat(d["tanggal_terima"]) - dt.timedelta(days=back)).isoformat()
    elif form == "layanan":
        minutes = r.choice((0, 0, 5, 45, 120))
        d["waktu_terima"] = iso(dt.datetime.fromisoformat(d["waktu_terima"]) - dt.timedelta(minutes=minutes))
        same_unit = [c for c in CODES if naive.DEFAULT_SOP[c][2] == naive.DEFAULT_SOP[d["jenis_layanan"]][2]]
        d["jenis_layanan"] = r.choice(same_unit)
    elif form == "inspeksi-rw":
        key = r.choice(("kebun_toga", "pengelolaan_sampah", "status_kumuh", "lembaga_aktif"))
        d[key] = {"kebun_toga": not d["kebun_toga"], "lembaga_aktif": not d["lembaga_aktif"],
                  "pengelolaan_sampah": "buruk" if d["pengelolaan_sampah"] == "baik" else "baik",
                  "status_kumuh": "kumuh" if d["status_kumuh"] == "tidak_kumuh" else "tidak_kumuh"}[key]
    elif form == "laporan-kelurahan":
        fields, _last = laporan_data(r, d["periode"])
        d.update({k: v for k, v in fields.items() if k not in naive.REPORT_DATES or r.random() < 0.5})
    elif form == "tindak-lanjut":
        d["tindakan"] = "Dikoreksi."
    elif form == "layanan-selesai":
        pass  # a re-typed time: the same one (its record's receipt time is not known here)
    return new


# -- hostile items (refused as invalid, never stored) ------------------------------------------------

def hostile(kind: str, kec, stored: dict | None = None) -> dict:
    """One item that must be refused. ``stored``: a stored record some kinds follow up (a follow-up keeps time)."""
    kel = {"kelurahan_id": kec.kelurahan[0]}
    lap = {k: "2025-04-05" for k in naive.REPORT_DATES}
    base_lap = {"lembaga_aktif": True, "kejadian_kriminal": 0, "konflik_sosial": 0, **lap}
    if kind == "layanan 9999":
        return item("layanan", kel, "2026-03-02T09:00:00+07:00",
                    {"jenis_layanan": "sktm", "waktu_terima": "9999-12-31T23:00:00-14:00"})
    if kind == "layanan selesai before terima":
        return item("layanan", kel, "2026-03-02T09:00:00+07:00",
                    {"jenis_layanan": "sktm", "waktu_terima": "2026-03-02T09:00:00+07:00",
                     "waktu_selesai": "2026-03-02T08:00:00+07:00"})
    if kind == "layanan two years ahead":
        ahead = (now() + dt.timedelta(days=800)).astimezone(zone(7))
        return item("layanan", kel, "2026-03-02T09:00:00+07:00", {"jenis_layanan": "sktm", "waktu_terima": iso(ahead)})
    if kind in ("periode 0000-Q1", "periode 9999-Q4", "periode 1900-Q1"):
        return item("laporan-kelurahan", kel, "2025-04-05T09:00:00+07:00", {"periode": kind[-7:], **base_lap})
    if kind == "tgl_lapor 0001-01-01":
        return item("laporan-kelurahan", kel, "2025-04-05T09:00:00+07:00",
                    {"periode": "2025-Q1", **base_lap, "tgl_lapor_keuangan": "0001-01-01"})
    if kind in ("tanggal_terima 1900-01-01", "tanggal_terima 9999-12-31"):
        return item("pengaduan", kel, "2026-02-03T10:00:00+07:00",
                    {"tanggal_terima": kind[-10:], "saluran": "kotak", "kategori": "pelayanan"})
    if kind == "observed_at 1969":
        return item("skm", kel, "1969-07-20T20:17:00Z", {f"u{i}": 3 for i in range(1, 10)})
    if kind == "skm answer 5":
        return item("skm", kel, "2026-03-02T09:00:00+07:00", {**{f"u{i}": 3 for i in range(1, 10)}, "u3": 5})
    if kind == "tindak-lanjut before its complaint":
        before = dt.date.fromisoformat(stored["data"]["tanggal_terima"]) - dt.timedelta(days=1)
        return item("tindak-lanjut", None, f"{before.isoformat()}T12:00:00+07:00",
                    {"tanggal": before.isoformat()}, ref=stored["id"])
    if kind == "layanan-selesai before its service":
        before = dt.datetime.fromisoformat(stored["data"]["waktu_terima"]) - dt.timedelta(hours=1)
        return item("layanan-selesai", None, iso(before), {"waktu_selesai": iso(before)}, ref=stored["id"])
    raise ValueError(kind)


HOSTILE = ("layanan 9999", "layanan selesai before terima", "layanan two years ahead", "periode 0000-Q1",
           "periode 9999-Q4", "periode 1900-Q1", "tgl_lapor 0001-01-01", "tanggal_terima 1900-01-01",
           "tanggal_terima 9999-12-31", "observed_at 1969", "skm answer 5")
HOSTILE_FOLLOW_UPS = ("tindak-lanjut before its complaint", "layanan-selesai before its service")
