"""A year of plausible field data for the demo kecamatan, as the items devices would sync.

Pure generation: no database. Every item is a submission as a device sends it (`id`, `form`, `form_version`,
`subject`, `ref`?, `supersedes`?, `observed_at`, `data`) tagged with the username that sends it;
`server.demo.seed_demo` pushes them through `server.sync.sync_batch`, so they are validated exactly
as the API would.

What "plausible" means here (so the dashboard has something to say):
- RW inspections about every three months; each RW starts somewhere (some without a TOGA garden,
  some with poor waste management, a few *kumuh*) and tends to improve, so not every RW is Baik and
  some changed since the baseline. Two "model" kelurahan get every RW in order by the end of the
  year and report on time with falling incidents, so some kelurahan meet the Baik criteria (IKU5).
- Kelurahan reports for every quarter of last year and each finished quarter of this one, mostly
  on time, a few dates late, one missing.
- Satisfaction surveys at every office on working days; answers centred a little above 3 with the
  usual shape (fees rated best, speed and complaint handling worst): IKM around B, one office lower.
- Complaints at every office; most followed up within days, some not at all (more so recently).
- The service register on working days; most services within their SOP, some late; same-day
  letters often completed on the entry itself, documents completed later by a follow-up.
- A few corrections (`supersedes`) and, when sent, a few follow-ups ahead of their records.

Determinism: each concern draws from its own `random.Random` seeded with ``f"{seed}:{name}"``, so
the same seed and the same `today` always give the same items, ids and photos.
"""
from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

WIB = dt.timezone(dt.timedelta(hours=7), "WIB")
OFFICE_OPENS = dt.time(8, 0)
OFFICE_MINUTES = 7 * 60  # 08:00–15:00
REPORT_DUE_DAYS = 10  # default due date: 10 days after the end of the quarter
CORRECTIONS = {"inspeksi-rw": 6, "laporan-kelurahan": 2}
OUT_OF_ORDER_FOLLOW_UPS = 8
MODEL_KELURAHAN = 2

# Answers to SKM elements: offsets from an office's mean (fees are free, so U4 scores best).
SKM_ELEMENT_OFFSET = {"u1": 0.05, "u2": 0.0, "u3": -0.25, "u4": 0.5, "u5": 0.05, "u6": 0.05, "u7": 0.15,
                      "u8": -0.3, "u9": -0.1}
KELURAHAN_LETTERS = ("pengantar-ktp", "pengantar-kk", "pengantar-akta", "sktm", "domisili")

_NOTES = ("Posyandu aktif, kader lengkap.", "Selokan tersumbat di gang RT 03.", "Bank sampah baru dibentuk.",
          "Kebun TOGA perlu disiram rutin.", "Lampu jalan mati di dua titik.", "Kerja bakti setiap Minggu.",
          "Ada tumpukan sampah liar dekat sungai.", "Pos ronda aktif kembali.")
_COMPLAINTS = {
    "pelayanan": "Antrian pelayanan surat pengantar terlalu lama.",
    "infrastruktur": "Jalan gang berlubang dan membahayakan pengendara.",
    "kebersihan": "Sampah tidak diangkut lebih dari satu minggu.",
    "keamanan": "Sering terjadi pencurian sepeda motor malam hari.",
    "sosial": "Warga lansia belum menerima bantuan sosial.",
    "lainnya": "Pengeras suara kegiatan warga terlalu keras hingga larut malam.",
}
_ACTIONS = ("Sudah dikoordinasikan dengan ketua RW dan ditangani.", "Petugas kebersihan dijadwalkan ulang.",
            "Diteruskan ke dinas terkait; warga sudah diberi tahu.", "Pelapor dihubungi, masalah selesai.",
            "Patroli ditambah bersama Babinsa dan Bhabinkamtibmas.")
_SUGGESTIONS = ("Tambah kursi di ruang tunggu.", "Petugas sudah ramah, pertahankan.",
                "Informasi syarat dipasang di depan.",
                "Mohon layanan daring diperluas.", "Toilet perlu dibersihkan.")


@dataclass(frozen=True)
class Place:
    """A kelurahan of the demo kecamatan with its RW (id, nomor) and the usernames working there."""

    kelurahan_id: int
    kode: str
    nama: str
    rw: tuple[tuple[int, str], ...]
    officer: str  # inspections, reports, complaints, services
    reporter: str  # laporan-kelurahan
    kiosk: str  # skm at the kelurahan office
    rw_centroids: tuple[tuple[int, float, float], ...] = ()  # (rw id, lat, lon) of the RW that have one


@dataclass(frozen=True)
class Office:
    """A unit of the unit forms: the kecamatan office or a kelurahan office."""

    subject: dict
    name: str
    clerk: str  # who enters complaints and services there
    kiosk: str
    is_kecamatan: bool


@dataclass
class Outgoing:
    """One item to sync, who sends it, and whether it goes ahead of the rest (out of order)."""

    sender: str
    item: dict
    early: bool = False


@dataclass
class DemoWorld:
    """What the generator needs to know about the database."""

    kecamatan_id: int
    kecamatan_nama: str
    camat: str
    kecamatan_kiosk: str
    places: list[Place]
    service_types: dict[str, dict]  # code -> {sop_value, sop_unit, …}
    holidays: set[dt.date] = field(default_factory=set)


class DemoGenerator:
    """Builds the items of one demo year ending the day before `today` (nothing in the future)."""

    def __init__(self, world: DemoWorld, seed: int, today: dt.date, take_photo: Callable[[str], str]) -> None:
        self.world = world
        self.seed = seed
        self.today = today
        self.cutoff = dt.datetime.combine(today, dt.time(0, 0), WIB)
        self.start = today - dt.timedelta(days=365)
        self.take_photo = take_photo
        self._ids = self._rng("ids")
        plan = self._rng("plan")
        ids = [p.kelurahan_id for p in world.places]
        # Two kelurahan that do everything right by the end of the year (so IKU5 is not zero) …
        self.model_kelurahan = set(plan.sample(ids, min(MODEL_KELURAHAN, len(ids))))
        # … and one office whose service satisfaction lags (IKM C).
        others = [i for i in ids if i not in self.model_kelurahan]
        self.weak_office = plan.choice(others) if others else None

    # -- helpers ---------------------------------------------------------------------------------

    def _rng(self, name: str) -> random.Random:
        return random.Random(f"{self.seed}:{name}")  # nosec B311 - reproducible demo data, not secrets

    def new_id(self) -> str:
        """A UUID v4 drawn from the seeded generator (devices make random ones)."""
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def working_day(self, day: dt.date) -> bool:
        """Monday to Friday and not a holiday: offices are open."""
        return day.weekday() < 5 and day not in self.world.holidays

    def working_days(self) -> list[dt.date]:
        """The working days of the demo year, oldest first."""
        days = (self.start + dt.timedelta(days=n) for n in range((self.today - self.start).days))
        return [d for d in days if self.working_day(d)]

    def next_working_day(self, day: dt.date) -> dt.date:
        """`day` itself when offices are open, else the next day they are."""
        while not self.working_day(day):
            day += dt.timedelta(days=1)
        return day

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """The working day `count` working days after `day`."""
        while count > 0:
            day += dt.timedelta(days=1)
            if self.working_day(day):
                count -= 1
        return day

    @staticmethod
    def office_time(rng: random.Random, day: dt.date) -> dt.datetime:
        """A moment during office hours (08:00–15:00 WIB) of `day`."""
        minute = rng.randrange(OFFICE_MINUTES)
        return dt.datetime.combine(day, OFFICE_OPENS, WIB) + dt.timedelta(minutes=minute, seconds=rng.randrange(60))

    def offices(self) -> list[Office]:
        """The kecamatan office, then each kelurahan office."""
        w = self.world
        out = [Office({"kecamatan_id": w.kecamatan_id}, f"Kantor Kecamatan {w.kecamatan_nama}", w.camat,
                      w.kecamatan_kiosk, True)]
        out.extend(Office({"kelurahan_id": p.kelurahan_id}, f"Kantor Kelurahan {p.nama}", p.officer, p.kiosk, False)
                   for p in w.places)
        return out

    def item(self, form: str, subject: dict | None, observed: dt.datetime, data: dict, **links: str) -> dict:
        """A submission as a device sends it."""
        out = {"id": self.new_id(), "form": form, "form_version": 1, "observed_at": observed.isoformat(),
               "data": data}
        if subject is not None:
            out["subject"] = subject
        out.update(links)
        return out

    # -- the forms -------------------------------------------------------------------------------

    def inspections(self) -> list[Outgoing]:
        """Every RW inspected about every three months; its state drifts, mostly for the better."""
        rng = self._rng("inspeksi-rw")
        out = []
        for place in self.world.places:
            centre = (-6.885 - rng.uniform(0, 0.02), 107.605 + rng.uniform(0, 0.02))  # drawn always: same sequence
            spots = {rw_id: (lat, lon) for rw_id, lat, lon in place.rw_centroids}
            for rw_id, nomor in place.rw:
                # Near the RW's stored centroid when it has one (the map's base layer), else around the kelurahan.
                here, spread = (spots[rw_id], 0.0008) if rw_id in spots else (centre, 0.003)
                state = {
                    "kebun_toga": rng.random() < 0.45,
                    "pengelolaan_sampah": rng.choices(("baik", "cukup", "buruk"), (35, 45, 20))[0],
                    "status_kumuh": "kumuh" if rng.random() < 0.18 else "tidak_kumuh",
                    "lembaga_aktif": rng.random() < 0.85,
                }
                model = place.kelurahan_id in self.model_kelurahan
                drive = 0.8 if model else rng.uniform(0.05, 0.45)  # how hard this RW works on getting better
                rounds = []
                day = self.next_working_day(self.start + dt.timedelta(days=rng.randint(0, 28)))
                while day < self.today:
                    rounds.append(day)
                    day = self.next_working_day(day + dt.timedelta(days=rng.randint(80, 100)))
                for number, day in enumerate(rounds, start=1):
                    if model and number >= len(rounds) - 1:  # its last two inspections: all good
                        state.update(kebun_toga=True, pengelolaan_sampah="baik", status_kumuh="tidak_kumuh",
                                     lembaga_aktif=True)
                    data = dict(state)
                    data["kejadian_kriminal"] = rng.choices((0, 1, 2, 3), (70, 20, 8, 2))[0]
                    data["konflik_sosial"] = rng.choices((0, 1, 2), (85, 12, 3))[0]
                    if rng.random() < 0.35:
                        data["foto"] = [self.take_photo(f"{place.nama} RW {nomor} {day.isoformat()}")
                                        for _ in range(rng.randint(1, 2))]
                    if rng.random() < 0.8:
                        data["lokasi"] = {"lat": round(here[0] + rng.uniform(-spread, spread), 6),
                                          "lon": round(here[1] + rng.uniform(-spread, spread), 6),
                                          "accuracy": rng.choice((5, 8, 12, 20))}
                    if rng.random() < 0.25:
                        data["catatan"] = rng.choice(_NOTES)
                    out.append(Outgoing(place.officer, self.item("inspeksi-rw", {"rw_id": rw_id},
                                                                 self.office_time(rng, day), data)))
                    self._drift(rng, state, drive, slips=not model)
        return out

    @staticmethod
    def _drift(rng: random.Random, state: dict, drive: float, slips: bool) -> None:
        """An RW between two inspections: bad things get fixed with chance `drive`, good ones may slip."""
        if not state["kebun_toga"] and rng.random() < drive:
            state["kebun_toga"] = True
        if state["pengelolaan_sampah"] != "baik" and rng.random() < drive:
            state["pengelolaan_sampah"] = "cukup" if state["pengelolaan_sampah"] == "buruk" else "baik"
        elif state["pengelolaan_sampah"] == "baik" and rng.random() < 0.05 and slips:
            state["pengelolaan_sampah"] = "cukup"
        if state["status_kumuh"] == "kumuh" and rng.random() < drive / 2:
            state["status_kumuh"] = "tidak_kumuh"
        if not state["lembaga_aktif"] and rng.random() < drive:
            state["lembaga_aktif"] = True
        elif state["lembaga_aktif"] and rng.random() < 0.04 and slips:
            state["lembaga_aktif"] = False

    def reports(self) -> list[Outgoing]:
        """A report per kelurahan for every quarter of last year and each due quarter of this one.

        Last year's reports give this year's crime comparison (K2) its baseline. Most dates are on
        time, a few late; one report is missing. The model kelurahan report on time, active, with
        incidents going down.
        """
        rng = self._rng("laporan-kelurahan")
        out = []
        quarters = []
        for year in (self.today.year - 1, self.today.year):
            for q in range(1, 5):
                end = (dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)) - dt.timedelta(days=1)
                if end + dt.timedelta(days=REPORT_DUE_DAYS + 5) < self.today:
                    quarters.append((f"{year}-Q{q}", end))
        ordinary = [i for i, p in enumerate(self.world.places) if p.kelurahan_id not in self.model_kelurahan]
        missing = (rng.choice(ordinary), rng.randrange(len(quarters))) if quarters and ordinary else None
        for p_index, place in enumerate(self.world.places):
            model = place.kelurahan_id in self.model_kelurahan
            for q_index, (periode, end) in enumerate(quarters):
                if (p_index, q_index) == missing:
                    continue
                trend = max(0.0, 1.0 - q_index / max(1, len(quarters))) if model else 0.6
                data: dict = {"periode": periode, "lembaga_aktif": model or rng.random() < 0.9,
                              "kejadian_kriminal": sum(rng.random() < trend for _ in range(6)),
                              "konflik_sosial": rng.choices(range(3), (70, 22, 8))[0] if not model else 0}
                late_report = not model and rng.random() < 0.15
                dates = []
                for key in ("kependudukan", "ekobang", "kessos", "kepegawaian", "keuangan"):
                    if late_report and rng.random() < 0.5:
                        day = end + dt.timedelta(days=REPORT_DUE_DAYS + rng.randint(1, 5))
                    else:
                        day = end + dt.timedelta(days=rng.randint(2, REPORT_DUE_DAYS))
                    dates.append(day)
                    data[f"tgl_lapor_{key}"] = day.isoformat()
                observed = self.office_time(rng, self.next_working_day(max(dates)))
                if observed >= self.cutoff:
                    continue
                out.append(Outgoing(place.reporter, self.item("laporan-kelurahan", {"kelurahan_id": place.kelurahan_id},
                                                              observed, data)))
        return out

    def surveys(self) -> list[Outgoing]:
        """Citizens at every office's kiosk on working days; IKM around B, one office weaker."""
        rng = self._rng("skm")
        codes = sorted(self.world.service_types)
        out = []
        for office in self.offices():
            mean = 3.3 if office.is_kecamatan else rng.uniform(3.15, 3.4)
            if office.subject.get("kelurahan_id") == self.weak_office:
                mean = 2.95
            for day in self.working_days():
                for _ in range(rng.choice((0, 1, 1, 1, 2, 2))):
                    data: dict = {key: max(1, min(4, round(rng.gauss(mean + offset, 0.55))))
                                  for key, offset in SKM_ELEMENT_OFFSET.items()}
                    if rng.random() < 0.85:
                        data.update({
                            "jenis_layanan": rng.choice(codes if office.is_kecamatan else KELURAHAN_LETTERS),
                            "jenis_kelamin": rng.choice(("L", "P")),
                            "usia": rng.randint(17, 72),
                            "pendidikan": rng.choices(("SD", "SMP", "SMA", "D3", "S1", "S2", "S3"),
                                                      (10, 15, 40, 10, 20, 4, 1))[0],
                            "pekerjaan": rng.choices(("PNS", "TNI", "POLRI", "Swasta", "Wirausaha", "Lainnya"),
                                                     (10, 2, 2, 35, 30, 21))[0],
                        })
                    if rng.random() < 0.1:
                        data["saran"] = rng.choice(_SUGGESTIONS)
                    observed = self.office_time(rng, day)
                    out.append(Outgoing(office.kiosk, self.item("skm", office.subject, observed, data)))
        return out

    def complaints(self) -> list[Outgoing]:
        """Complaints at every office, most followed up within three weeks, recent ones less often."""
        rng = self._rng("pengaduan")
        out = []
        days = self.working_days()
        for office in self.offices():
            rate = 0.22 if office.is_kecamatan else 0.16  # complaints per working day
            for day in days:
                if rng.random() >= rate:
                    continue
                kategori = rng.choice(tuple(_COMPLAINTS))
                data = {"tanggal_terima": day.isoformat(),
                        "saluran": rng.choices(("kotak", "langsung", "telepon", "daring"), (40, 25, 15, 20))[0],
                        "kategori": kategori, "uraian": _COMPLAINTS[kategori]}
                if kategori == "lainnya":
                    data["kategori_lainnya"] = "Kebisingan"
                complaint = self.item("pengaduan", office.subject, self.office_time(rng, day), data)
                out.append(Outgoing(office.clerk, complaint))
                recent = (self.today - day).days < 30
                if rng.random() < (0.45 if recent else 0.8):
                    done = self.next_working_day(day + dt.timedelta(days=rng.randint(1, 21)))
                    observed = self.office_time(rng, done)
                    if observed < self.cutoff:
                        follow_up = self.item("tindak-lanjut", None, observed,
                                              {"tanggal": done.isoformat(), "tindakan": rng.choice(_ACTIONS)},
                                              ref=complaint["id"])
                        out.append(Outgoing(office.clerk, follow_up))
        return out

    def services(self) -> list[Outgoing]:
        """The service register: letters in minutes at every office, documents in working days at the kecamatan."""
        rng = self._rng("layanan")
        types = self.world.service_types
        minute_codes = [c for c in sorted(types) if types[c]["sop_unit"] == "minutes"]
        letters = [c for c in KELURAHAN_LETTERS if c in types] or minute_codes
        all_codes = sorted(types)
        out = []
        for office in self.offices():
            for day in self.working_days():
                for _ in range(rng.choice((0, 1, 1, 2, 2, 3) if office.is_kecamatan else (0, 0, 1, 1, 2))):
                    code = rng.choice(all_codes if office.is_kecamatan else letters)
                    sop = types[code]
                    received = self.office_time(rng, day)
                    late = rng.random() < 0.13
                    if sop["sop_unit"] == "minutes":
                        factor = rng.uniform(1.1, 2.5) if late else rng.uniform(0.3, 0.95)
                        completed = received + dt.timedelta(minutes=round(sop["sop_value"] * factor))
                        on_entry = rng.random() < 0.75
                    else:
                        days = sop["sop_value"] + rng.randint(1, 3) if late else rng.randint(0, sop["sop_value"])
                        completed = self.office_time(rng, self.add_working_days(day, days))
                        if completed <= received:
                            completed = received + dt.timedelta(minutes=rng.randint(20, 90))
                        on_entry = False
                    data = {"jenis_layanan": code, "waktu_terima": received.isoformat()}
                    if on_entry and completed < self.cutoff:
                        data["waktu_selesai"] = completed.isoformat()
                    entry = self.item("layanan", office.subject, received, data)
                    out.append(Outgoing(office.clerk, entry))
                    if not on_entry and completed < self.cutoff:
                        done = self.item("layanan-selesai", None, completed, {"waktu_selesai": completed.isoformat()},
                                         ref=entry["id"])
                        out.append(Outgoing(office.clerk, done))
        return out

    def corrections(self, sent: list[Outgoing]) -> list[Outgoing]:
        """A few records corrected after sync: a new submission that supersedes the old one."""
        rng = self._rng("corrections")
        out = []
        for form, count in CORRECTIONS.items():
            candidates = [o for o in sent if o.item["form"] == form]
            for original in rng.sample(candidates, min(count, len(candidates))):
                data = dict(original.item["data"])
                if form == "inspeksi-rw":
                    data["kejadian_kriminal"] += 1
                    data["catatan"] = "Koreksi: satu kejadian belum tercatat."
                else:
                    data["kejadian_kriminal"] = max(0, data["kejadian_kriminal"] - 1)
                correction = self.item(form, original.item["subject"],
                                       dt.datetime.fromisoformat(original.item["observed_at"]), data,
                                       supersedes=original.item["id"])
                out.append(Outgoing(original.sender, correction))
        return out

    def all(self) -> list[Outgoing]:
        """Every item in the order devices would sync them (by observed_at), corrections last.

        A few follow-ups are marked `early`: sent ahead of everything, before their records exist.
        """
        items = self.inspections() + self.reports() + self.surveys() + self.complaints() + self.services()
        items.sort(key=lambda o: (dt.datetime.fromisoformat(o.item["observed_at"]), o.item["id"]))
        rng = self._rng("order")
        follow_ups = [o for o in items if "ref" in o.item]
        for chosen in rng.sample(follow_ups, min(OUT_OF_ORDER_FOLLOW_UPS, len(follow_ups))):
            chosen.early = True
        return items + self.corrections(items)
