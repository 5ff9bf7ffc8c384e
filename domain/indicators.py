"""The six indicators (IKU): the one catalogue of codes, names, units, official wording and direction.

``name`` is how the API and the scores name an indicator; ``indikator``, ``formula``,
``sumber_data`` and ``penanggung_jawab`` are the kecamatan's performance table verbatim (spelling
included: it is the wording the kecamatan signs), re-flowed into one string per cell. ``unit`` is
``"indeks"`` for IKU1 (the IKM, scale 25–100) and ``"%"`` for the others. ``direction`` says which
way is better by default (``"higher"`` for all six; a rule set may name codes whose capaian follows
the lower-is-better formula).
"""
from __future__ import annotations

from dataclasses import dataclass

SASARAN_PELAYANAN = "Meningkatnya Pelayanan Publik Kecamatan dan Kelurahan"
SASARAN_TUP = "Meningkatnya Kinerja Penyelenggaraan Tugus Umum (TUP) Pemerintah Kecamatan"


@dataclass(frozen=True)
class Indicator:
    """One IKU: what the scores call it and how the performance table words it."""

    code: str
    name: str
    unit: str  # "indeks" (IKU1, scale 25–100) or "%"
    sasaran_no: int
    sasaran: str
    indikator: str
    formula: str
    sumber_data: str
    penanggung_jawab: str
    direction: str = "higher"  # "higher" or "lower" is better


CATALOGUE: tuple[Indicator, ...] = (
    Indicator("IKU1", "Indeks Kepuasan Masyarakat (IKM)", "indeks", 1, SASARAN_PELAYANAN,
              "Indeks Kepuasan Masyarakat",
              "Survey dengan memberikan lembar Survey yang disi oleh Masyarakat pada saat melaksanakan pelayanan",
              "Survey dari masyarakat saat datang di kelurahan maupun di Kecamatan", "Sekretaris Camat"),
    Indicator("IKU2", "Persentase pengaduan masyarakat yang ditindaklanjuti", "%", 1, SASARAN_PELAYANAN,
              "Prosentase Kelurahan/ Pengaduan Pelayanan Administratif yang ditindak Lanjuti",
              "Jumlah Keluhan Masyarakat yang ditindaklanjuti dibagi dengan jumlah pengaduan yang masuk dikali 100%",
              "Kotak Pengaduan yang ada di Kecamatan Maupun di Kelurahan", "Sekretaris Camat"),
    Indicator("IKU3", "Persentase pelayanan administrasi kependudukan yang diselesaikan tepat waktu", "%", 2,
              SASARAN_TUP, "Prosentase Pelayanan Administrasi Kependudukan Tepat Waktu",
              "Jumlah Pelayanan Administrasi Kependudukan yang tepat waktu sesuai dengan SOP dibagi dengan jumlah "
              "pelayanan Kependudukan dikali 100",
              "Data Register Penerimaan Berkas Kependudukan", "Seksi Pemerintahan"),
    Indicator("IKU4", "Persentase pelayanan administrasi umum lainnya yang diselesaikan tepat waktu", "%", 2,
              SASARAN_TUP, "Prosentase Pelayanan Administrasi Umum Lainnya Tepat Waktu",
              "Jumlah Pelayanan Administrasi Umum Lainnya yang tepat waktu sesuai dengan SOP dibagi dengan jumlah "
              "pelayanan Umum Lainnya dikali 100",
              "Data Register Penerimaan Berkas Pelayanan Administrasi Lainnya",
              "Seksi Ekobang; Seksi Kessos; Seksi Trantib; Subag Perenc Keu; Subbag Umum Kepegawaian"),
    Indicator("IKU5", "Persentase kelurahan dengan kriteria Baik", "%", 2, SASARAN_TUP,
              "Prosentase Kelurahan yang Memiliki Kriteria Baik",
              "Kelurahan yang memiliki Kriteria: 1. Lembaga Kemasyarakatan Aktif; 2. Tingkat kriminalitas dan "
              "konflik sosial meurun; 3. Setiap RW Memiliki Kebun Toga; 4. Memiliki pengelolaan sampah yang baik "
              "di setiap RW; 5. Prosentase RW Kumuh Menjadi Bersih; 6. Nilai Survey Kepuasan Masyarakat Memuaskan; "
              "7. Penyampaian Laporan Kendudukan, ekonomi Pembanguna, Kesejahteraan Sosial, Kepegawaian dan "
              "Keuangan tepat Waktu",
              "Laporan Yang di terima dari Kelurahan", "Seksi Pemerintahan"),
    Indicator("IKU6", "Persentase RW berubah", "%", 2, SASARAN_TUP, "Prosentase RW Berubah",
              "Jumlah RW yang Berubah Menjadi Baik dibagi Jumlah RW yang ada di Kecamatan dikali 100",
              "Laporan dari Kelurahan; Rapat Koordinasi RT/Rw; Laporan Hasil Pembinaan di Tingkat Rw",
              "Seksi Ekobang; Seksi Kessos; Seksi Trantib; Seksi Pemerintahan"),
)

CODES: tuple[str, ...] = tuple(i.code for i in CATALOGUE)
_BY_CODE: dict[str, Indicator] = {i.code: i for i in CATALOGUE}

# The seven IKU5 criteria, in the performance table's words (K1…K7).
CRITERIA: dict[str, str] = {
    "K1": "Lembaga Kemasyarakatan Aktif",
    "K2": "Tingkat kriminalitas dan konflik sosial menurun",
    "K3": "Setiap RW Memiliki Kebun Toga",
    "K4": "Memiliki pengelolaan sampah yang baik di setiap RW",
    "K5": "RW Kumuh Menjadi Bersih",
    "K6": "Nilai Survey Kepuasan Masyarakat Memuaskan",
    "K7": "Penyampaian Laporan tepat Waktu",
}

# IKM grades (Permen PAN-RB 14/2017).
MUTU_LABELS: dict[str, str] = {"A": "Sangat Baik", "B": "Baik", "C": "Kurang Baik", "D": "Tidak Baik"}


def indicator(code: str) -> Indicator:
    """The indicator with this code; ``KeyError`` for an unknown one."""
    return _BY_CODE[code]
