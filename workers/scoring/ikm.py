"""IKU1: Indeks Kepuasan Masyarakat per Peraturan Menteri PAN-RB No. 14 Tahun 2017.

Per element (unsur U1–U9) the NRR is the mean score over the respondents who answered that element;
IKM = Σ NRR × 1/9 exactly (Fraction, never the regulation's rounded 0.111 weight), converted to the
25–100 scale (× 25) and rounded HALF-UP to two decimals BEFORE it is graded, so 88.305 → 88.31 → A.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from .model import Survey
from .rounding import half_up, half_up_float, to_fraction
from .rules import RuleSet

ELEMENTS: tuple[str, ...] = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")
ELEMENT_NAMES: dict[str, str] = {
    "u1": "Persyaratan",
    "u2": "Sistem, mekanisme, dan prosedur",
    "u3": "Waktu penyelesaian",
    "u4": "Biaya/tarif",
    "u5": "Produk spesifikasi jenis pelayanan",
    "u6": "Kompetensi pelaksana",
    "u7": "Perilaku pelaksana",
    "u8": "Penanganan pengaduan, saran dan masukan",
    "u9": "Sarana dan prasarana",
}
MUTU_LABELS: dict[str, str] = {"A": "Sangat Baik", "B": "Baik", "C": "Kurang Baik", "D": "Tidak Baik"}
_VALID_SCORES = frozenset({1, 2, 3, 4})


@dataclass(frozen=True, slots=True)
class IkmScore:
    """The IKM of one set of respondents; ``converted``/``raw`` None when nobody answered anything."""

    respondents: int
    nrr: dict[str, Fraction]  # only the elements somebody answered
    raw: Fraction | None  # 1–4 scale, exact
    converted: Decimal | None  # 25–100 scale, rounded half-up to 2 decimals
    mutu: str | None
    record_ids: list[str]
    warnings: list[str] = field(default_factory=list)

    @property
    def value(self) -> float | None:
        """The converted IKM as a float for JSON."""
        return None if self.converted is None else float(self.converted)


def grade_mutu(converted: Decimal | float | None, rules: RuleSet) -> str | None:
    """Grade an IKM (25–100 scale, already rounded) A/B/C/D by the rule set's inclusive lower bounds."""
    if converted is None:
        return None
    value = to_fraction(converted)
    if value >= to_fraction(rules.mutu_a):
        return "A"
    if value >= to_fraction(rules.mutu_b):
        return "B"
    if value >= to_fraction(rules.mutu_c):
        return "C"
    return "D"


def min_sample(population: int | None) -> int | None:
    """Krejcie & Morgan minimum sample: 3.841·N·0.25 / (0.0025·(N−1) + 3.841·0.25), rounded half-up."""
    if population is None or population <= 0:
        return None
    chi2 = Fraction(3841, 1000)
    p_q = Fraction(1, 4)
    margin2 = Fraction(25, 10000)
    sample = chi2 * population * p_q / (margin2 * (population - 1) + chi2 * p_q)
    return int(half_up(sample, 0))


def compute_ikm(surveys: Iterable[Survey], rules: RuleSet) -> IkmScore:
    """Compute the IKM of the given respondents (already filtered to one unit and period).

    Answers outside 1–4 or under unknown keys are ignored with a warning. A survey with no valid answer
    is not a respondent. When some element was answered by nobody, IKM is the mean of the NRR of the
    elements answered (the 1/9 weights need all nine) and a warning says so.
    """
    totals: dict[str, int] = dict.fromkeys(ELEMENTS, 0)
    counts: dict[str, int] = dict.fromkeys(ELEMENTS, 0)
    record_ids: list[str] = []
    warnings: list[str] = []
    for survey in surveys:
        answered = False
        for key, score in survey.answers.items():
            element = key if key in totals else key.lower()
            if element not in totals or type(score) is not int or score not in _VALID_SCORES:
                warnings.append(f"Survei {survey.id}: jawaban {key}={score!r} diabaikan")
                continue
            totals[element] += score
            counts[element] += 1
            answered = True
        if answered:
            record_ids.append(survey.id)
        else:
            warnings.append(f"Survei {survey.id}: tidak ada jawaban sah, tidak dihitung")
    nrr = {element: Fraction(totals[element], counts[element]) for element in ELEMENTS if counts[element]}
    if not nrr:
        return IkmScore(len(record_ids), {}, None, None, None, record_ids, warnings)
    if len(nrr) < len(ELEMENTS):
        missing = [element for element in ELEMENTS if element not in nrr]
        warnings.append(f"Tidak ada jawaban untuk {', '.join(missing)}: IKM = rata-rata NRR unsur yang dijawab")
    raw = sum(nrr.values(), Fraction(0)) / len(nrr)
    converted = half_up(raw * 25, 2)
    return IkmScore(len(record_ids), nrr, raw, converted, grade_mutu(converted, rules), record_ids, warnings)


def nrr_floats(score: IkmScore) -> dict[str, float]:
    """The NRR per element rounded half-up to 4 decimals, in element order, for the drill-down."""
    return {element: half_up_float(value, 4) for element, value in score.nrr.items()}
