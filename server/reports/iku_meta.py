"""The six IKU as the kecamatan's own performance table states them (the seed document's wording).

Kept verbatim from the source table (spelling included: it is the wording the kecamatan signs),
only re-flowed into one string per cell. Scores come from the stored results; this is the text.
"""
from __future__ import annotations

from dataclasses import dataclass

SASARAN_PELAYANAN = "Meningkatnya Pelayanan Publik Kecamatan dan Kelurahan"
SASARAN_TUP = "Meningkatnya Kinerja Penyelenggaraan Tugus Umum (TUP) Pemerintah Kecamatan"


@dataclass(frozen=True)
class IkuMeta:
    """One row of the performance table, as worded in the seed."""

    code: str
    sasaran_no: int
    sasaran: str
    indikator: str
    formula: str
    sumber_data: str
    penanggung_jawab: str
    unit: str  # "indeks" (IKU1, scale 25–100) or "%"


IKU_META: tuple[IkuMeta, ...] = (
    IkuMeta("IKU1", 1, SASARAN_PELAYANAN, "Indeks Kepuasan Masyarakat",
            "Survey dengan memberikan lembar Survey yang disi oleh Masyarakat pada saat melaksanakan pelayanan",
            "Survey dari masyarakat saat datang di kelurahan maupun di Kecamatan", "Sekretaris Camat", "indeks"),
    IkuMeta("IKU2", 1, SASARAN_PELAYANAN,
            "Prosentase Kelurahan/ Pengaduan Pelayanan Administratif yang ditindak Lanjuti",
            "Jumlah Keluhan Masyarakat yang ditindaklanjuti dibagi dengan jumlah pengaduan yang masuk dikali 100%",
            "Kotak Pengaduan yang ada di Kecamatan Maupun di Kelurahan", "Sekretaris Camat", "%"),
    IkuMeta("IKU3", 2, SASARAN_TUP, "Prosentase Pelayanan Administrasi Kependudukan Tepat Waktu",
            "Jumlah Pelayanan Administrasi Kependudukan yang tepat waktu sesuai dengan SOP dibagi dengan jumlah "
            "pelayanan Kependudukan dikali 100",
            "Data Register Penerimaan Berkas Kependudukan", "Seksi Pemerintahan", "%"),
    IkuMeta("IKU4", 2, SASARAN_TUP, "Prosentase Pelayanan Administrasi Umum Lainnya Tepat Waktu",
            "Jumlah Pelayanan Administrasi Umum Lainnya yang tepat waktu sesuai dengan SOP dibagi dengan jumlah "
            "pelayanan Umum Lainnya dikali 100",
            "Data Register Penerimaan Berkas Pelayanan Administrasi Lainnya",
            "Seksi Ekobang; Seksi Kessos; Seksi Trantib; Subag Perenc Keu; Subbag Umum Kepegawaian", "%"),
    IkuMeta("IKU5", 2, SASARAN_TUP, "Prosentase Kelurahan yang Memiliki Kriteria Baik",
            "Kelurahan yang memiliki Kriteria: 1. Lembaga Kemasyarakatan Aktif; 2. Tingkat kriminalitas dan "
            "konflik sosial meurun; 3. Setiap RW Memiliki Kebun Toga; 4. Memiliki pengelolaan sampah yang baik "
            "di setiap RW; 5. Prosentase RW Kumuh Menjadi Bersih; 6. Nilai Survey Kepuasan Masyarakat Memuaskan; "
            "7. Penyampaian Laporan Kendudukan, ekonomi Pembanguna, Kesejahteraan Sosial, Kepegawaian dan "
            "Keuangan tepat Waktu",
            "Laporan Yang di terima dari Kelurahan", "Seksi Pemerintahan", "%"),
    IkuMeta("IKU6", 2, SASARAN_TUP, "Prosentase RW Berubah",
            "Jumlah RW yang Berubah Menjadi Baik dibagi Jumlah RW yang ada di Kecamatan dikali 100",
            "Laporan dari Kelurahan; Rapat Koordinasi RT/Rw; Laporan Hasil Pembinaan di Tingkat Rw",
            "Seksi Ekobang; Seksi Kessos; Seksi Trantib; Seksi Pemerintahan", "%"),
)

IKU_CODES: tuple[str, ...] = tuple(m.code for m in IKU_META)
META_BY_CODE: dict[str, IkuMeta] = {m.code: m for m in IKU_META}

# The seven IKU5 criteria, in the seed's words (K1…K7).
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
