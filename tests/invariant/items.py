"""Submission items as devices send them, with the odd dates real field data has (hypothesis draws).

Every builder returns a *valid* item by SPEC §3/§5 (the test asserts it is stored), except those
in :data:`HOSTILE`, which SPEC §2a and the documented date window require to be refused.
"""
from __future__ import annotations

import copy
import datetime as dt
import uuid

from hypothesis import strategies as st

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

def draw_instant(data, years=(2025, 2026), today_share: bool = False) -> dt.datetime:
    """A moment in the field (aware, in the device's offset), always at least an hour ago."""
    kinds = ["random", "random", "random", "boundary"] + (["today", "today"] if today_share else [])
    kind = data.draw(st.sampled_from(kinds), label="instant kind")
    latest = now() - dt.timedelta(hours=1)
    if kind == "boundary":
        t = dt.datetime.fromisoformat(data.draw(st.sampled_from(BOUNDARY_INSTANTS), label="boundary instant"))
        if t.year in years or t.astimezone(naive.TZ).year in years:
            return t
    if kind == "today":
        minutes = data.draw(st.integers(60, 400), label="minutes ago")
        return (now() - dt.timedelta(minutes=minutes)).astimezone(zone(data.draw(st.sampled_from(OFFSETS))))
    year = data.draw(st.sampled_from(years), label="year")
    t = dt.datetime(year, data.draw(st.integers(1, 12), label="month"), data.draw(st.integers(1, 28), label="day"),
                    data.draw(st.integers(0, 23), label="hour"), data.draw(st.sampled_from((0, 15, 30, 45))),
                    tzinfo=zone(data.draw(st.sampled_from(OFFSETS), label="offset")))
    if t > latest:
        t = (latest - dt.timedelta(hours=data.draw(st.integers(1, 2000), label="hours back"))).astimezone(t.tzinfo)
    return t


def draw_date(data, years=(2025, 2026)) -> dt.date:
    """A calendar date (a complaint's tanggal_terima), never after yesterday."""
    if data.draw(st.integers(0, 4), label="boundary date?") == 0:
        day = dt.date.fromisoformat(data.draw(st.sampled_from(BOUNDARY_DATES)))
        if day.year in years:
            return day
    day = dt.date(data.draw(st.sampled_from(years)), data.draw(st.integers(1, 12)), data.draw(st.integers(1, 28)))
    return min(day, today() - dt.timedelta(days=1))


def not_after_now(t: dt.datetime, margin_minutes: int = 1) -> dt.datetime:
    latest = now() - dt.timedelta(minutes=margin_minutes)
    return t if t <= latest else latest.astimezone(t.tzinfo)


def at_local(day: dt.date, hour: int, offset: int) -> dt.datetime:
    """``hour`` o'clock WIB on ``day``, written in the device's offset."""
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=zone(7)).astimezone(zone(offset))


# -- the forms ---------------------------------------------------------------------------------------

def unit_subject(data, kec) -> dict:
    choice = data.draw(st.sampled_from([*kec.kelurahan, *kec.kelurahan, None]), label="unit")
    return {"kecamatan_id": kec.id} if choice is None else {"kelurahan_id": choice}


def skm(data, kec) -> dict:
    answers = data.draw(st.lists(st.sampled_from((1, 2, 3, 3, 3, 4, 4, 4)), min_size=9, max_size=9), label="answers")
    return item("skm", unit_subject(data, kec), iso(draw_instant(data)), {f"u{i}": a for i, a in enumerate(answers, 1)})


def pengaduan(data, kec, tanggal: dt.date | None = None) -> dict:
    tanggal = tanggal or draw_date(data)
    delay = data.draw(st.sampled_from((0, 0, 0, 1, 3, 20)), label="days until entered")
    observed = not_after_now(at_local(tanggal + dt.timedelta(days=delay), 10, data.draw(st.sampled_from(OFFSETS))))
    return item("pengaduan", unit_subject(data, kec), iso(observed),
                {"tanggal_terima": tanggal.isoformat(), "saluran": data.draw(st.sampled_from(SALURAN)),
                 "kategori": data.draw(st.sampled_from(KATEGORI)), "uraian": "Uji invarian."})


def elapsed(data, code: str) -> dt.timedelta:
    if naive.DEFAULT_SOP[code][2] == "minutes":
        return dt.timedelta(minutes=data.draw(st.integers(1, 100), label="minutes taken"))
    return dt.timedelta(days=data.draw(st.integers(0, 7), label="days taken"),
                        hours=data.draw(st.integers(0, 8), label="hours taken"))


def layanan(data, kec, open_line: bool | None = None) -> dict:
    code = data.draw(st.sampled_from(CODES), label="jenis_layanan")
    received = draw_instant(data, today_share=True)
    payload = {"jenis_layanan": code, "waktu_terima": iso(received)}
    if open_line is None:
        open_line = data.draw(st.booleans(), label="open line")
    if not open_line:
        done = received + elapsed(data, code)
        if done <= now() - dt.timedelta(minutes=1):
            payload["waktu_selesai"] = iso(done.astimezone(zone(data.draw(st.sampled_from(OFFSETS)))))
    return item("layanan", unit_subject(data, kec), iso(received), payload)


def inspeksi(data, kec) -> dict:
    rw = data.draw(st.sampled_from([r for rws in kec.rw.values() for r in rws]), label="rw")
    if data.draw(st.integers(0, 2), label="all good?") > 0:
        fields = {"kebun_toga": True, "pengelolaan_sampah": "baik", "status_kumuh": "tidak_kumuh",
                  "lembaga_aktif": True}
    else:
        fields = {"kebun_toga": data.draw(st.booleans()),
                  "pengelolaan_sampah": data.draw(st.sampled_from(("baik", "cukup", "buruk"))),
                  "status_kumuh": data.draw(st.sampled_from(("kumuh", "tidak_kumuh"))),
                  "lembaga_aktif": data.draw(st.booleans())}
    fields.update(kejadian_kriminal=data.draw(st.integers(0, 3)), konflik_sosial=data.draw(st.integers(0, 2)))
    return item("inspeksi-rw", {"rw_id": rw}, iso(draw_instant(data, years=(2024, 2025, 2026))), fields)


def laporan_data(data, periode: str) -> tuple[dict, dt.date]:
    """The fields of a quarterly report (dates mostly on time) and the last of its dates."""
    end = naive.Period.parse(periode).end
    dates = {}
    for key in naive.REPORT_DATES:
        day = end + dt.timedelta(days=data.draw(st.sampled_from((-5, 2, 5, 8, 10, 10, 11, 20)), label=key))
        dates[key] = min(day, today() - dt.timedelta(days=1)).isoformat()
    fields = {"periode": periode, "lembaga_aktif": data.draw(st.sampled_from((True, True, True, False))),
              "kejadian_kriminal": data.draw(st.integers(0, 3)), "konflik_sosial": data.draw(st.integers(0, 2)),
              **dates}
    return fields, max(dt.date.fromisoformat(d) for d in dates.values())


def laporan(data, kec, kelurahan_id: int | None = None, periode: str | None = None) -> dict:
    kelurahan_id = kelurahan_id or data.draw(st.sampled_from(kec.kelurahan), label="kelurahan")
    periode = periode or data.draw(st.sampled_from(QUARTERS), label="periode")
    fields, last = laporan_data(data, periode)
    observed = at_local(last + dt.timedelta(days=data.draw(st.integers(0, 3))), data.draw(st.integers(7, 20)),
                        data.draw(st.sampled_from(OFFSETS)))
    return item("laporan-kelurahan", {"kelurahan_id": kelurahan_id}, iso(not_after_now(observed, 60)), fields)


def tindak_lanjut(data, ref: str, not_before: dt.date) -> dict:
    day = min(not_before + dt.timedelta(days=data.draw(st.sampled_from((0, 1, 5, 30, 90)), label="days to act")),
              today())
    observed = not_after_now(at_local(day, 12, data.draw(st.sampled_from(OFFSETS))))
    return item("tindak-lanjut", None, iso(observed), {"tanggal": day.isoformat(), "tindakan": "Ditindaklanjuti."},
                ref=ref)


def layanan_selesai(data, ref: str, code: str, received: dt.datetime) -> dict:
    done = not_after_now(received + elapsed(data, code)).astimezone(zone(data.draw(st.sampled_from(OFFSETS))))
    return item("layanan-selesai", None, iso(done), {"waktu_selesai": iso(done)}, ref=ref)


# -- corrections -------------------------------------------------------------------------------------

def corrected(data, previous: dict) -> dict:
    """A correction of ``previous`` (a new id that supersedes it), with its content changed."""
    new = copy.deepcopy(previous)
    new["id"] = new_id()
    new["supersedes"] = previous["id"]
    d = new["data"]
    form = new["form"]
    if form == "skm":
        for key in data.draw(st.lists(st.sampled_from([f"u{i}" for i in range(1, 10)]), min_size=1, max_size=5)):
            d[key] = data.draw(st.integers(1, 4))
    elif form == "pengaduan":
        d["kategori"] = data.draw(st.sampled_from(KATEGORI), label="kategori")
        back = data.draw(st.sampled_from((0, 0, 1, 10, 40)), label="days earlier")
        d["tanggal_terima"] = (dt.date.fromisoformat(d["tanggal_terima"]) - dt.timedelta(days=back)).isoformat()
    elif form == "layanan":
        minutes = data.draw(st.sampled_from((0, 0, 5, 45, 120)), label="received minutes earlier")
        d["waktu_terima"] = iso(dt.datetime.fromisoformat(d["waktu_terima"]) - dt.timedelta(minutes=minutes))
        same_unit = [c for c in CODES if naive.DEFAULT_SOP[c][2] == naive.DEFAULT_SOP[d["jenis_layanan"]][2]]
        d["jenis_layanan"] = data.draw(st.sampled_from(same_unit), label="jenis_layanan")
    elif form == "inspeksi-rw":
        key = data.draw(st.sampled_from(("kebun_toga", "pengelolaan_sampah", "status_kumuh", "lembaga_aktif")))
        d[key] = {"kebun_toga": not d["kebun_toga"], "lembaga_aktif": not d["lembaga_aktif"],
                  "pengelolaan_sampah": "buruk" if d["pengelolaan_sampah"] == "baik" else "baik",
                  "status_kumuh": "kumuh" if d["status_kumuh"] == "tidak_kumuh" else "tidak_kumuh"}[key]
    elif form == "laporan-kelurahan":
        fields, _last = laporan_data(data, d["periode"])
        d.update({k: v for k, v in fields.items() if k not in naive.REPORT_DATES or data.draw(st.booleans())})
    elif form == "tindak-lanjut":
        d["tindakan"] = "Dikoreksi."
    elif form == "layanan-selesai":
        pass  # a re-typed time: the same one (its record's receipt time is not known here)
    return new


# -- hostile items (SPEC §2a: refused as invalid, never stored) --------------------------------------

def hostile(kind: str, kec, stored: dict | None = None) -> dict:
    """One item that must be refused. ``stored``: a stored record some kinds follow up (§2a.4)."""
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
