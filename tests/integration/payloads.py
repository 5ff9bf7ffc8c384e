"""Submission items as a device sends them, for the worker and integration tests."""
from __future__ import annotations

import uuid

ANSWERS_B = [[4, 4, 3, 4, 3, 4, 4, 3, 3], [3, 3, 3, 4, 3, 3, 4, 3, 2], [3, 2, 2, 4, 3, 3, 3, 3, 2],
             [4, 3, 3, 4, 4, 4, 4, 3, 3]]  # the worked IKM example: 81.25, mutu B


def _item(form: str, subject: dict | None, observed_at: str, data: dict, **extra) -> dict:
    item = {"id": str(uuid.uuid4()), "form": form, "form_version": 1, "observed_at": observed_at, "data": data}
    if subject is not None:
        item["subject"] = subject
    item.update(extra)
    return item


def skm(unit: dict, answers: list[int], observed_at: str = "2026-03-14T09:30:00+07:00") -> dict:
    """One survey of a unit ({"kelurahan_id": N} or {"kecamatan_id": N})."""
    return _item("skm", unit, observed_at, {f"u{i}": a for i, a in enumerate(answers, 1)})


def pengaduan(unit: dict, observed_at: str = "2026-02-03T10:00:00+07:00") -> dict:
    return _item("pengaduan", unit, observed_at, {"tanggal_terima": observed_at[:10], "saluran": "kotak",
                                                  "kategori": "pelayanan"})


def tindak_lanjut(ref: str, tanggal: str, observed_at: str | None = None) -> dict:
    return _item("tindak-lanjut", None, observed_at or f"{tanggal}T12:00:00+07:00", {"tanggal": tanggal}, ref=ref)


def layanan(unit: dict, code: str, terima: str, selesai: str | None = None) -> dict:
    data = {"jenis_layanan": code, "waktu_terima": terima}
    if selesai is not None:
        data["waktu_selesai"] = selesai
    return _item("layanan", unit, terima, data)


def layanan_selesai(ref: str, selesai: str) -> dict:
    return _item("layanan-selesai", None, selesai, {"waktu_selesai": selesai}, ref=ref)


def inspeksi(rw_id: int, observed_at: str, baik: bool = True, **fields) -> dict:
    data = {"kebun_toga": baik, "pengelolaan_sampah": "baik" if baik else "buruk",
            "status_kumuh": "tidak_kumuh" if baik else "kumuh", "lembaga_aktif": baik,
            "kejadian_kriminal": 0, "konflik_sosial": 0}
    data.update(fields)
    return _item("inspeksi-rw", {"rw_id": rw_id}, observed_at, data)


def laporan(kelurahan_id: int, periode: str, lapor: str, observed_at: str | None = None, **fields) -> dict:
    data = {"periode": periode, "lembaga_aktif": True, "kejadian_kriminal": 0, "konflik_sosial": 0,
            **{f"tgl_lapor_{k}": lapor for k in ("kependudukan", "ekobang", "kessos", "kepegawaian", "keuangan")}}
    data.update(fields)
    return _item("laporan-kelurahan", {"kelurahan_id": kelurahan_id}, observed_at or f"{lapor}T08:00:00+07:00", data)
