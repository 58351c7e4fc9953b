"""XYZ classes: mean, standard deviation (population and sample) and coefficient of
variation, each correctly rounded to 28 digits; classes decided exactly at the limits;
unclassifiable series; periods, zeros and aggregation."""

from __future__ import annotations

import statistics
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest

from analysis_kit import rounded, rounded_sqrt  # noqa: E402
from ordercraft.plugins.analysis import series as periods_of
from ordercraft.plugins.analysis import xyz
from ordercraft.plugins.analysis.decimals import sqrt_of_ratio, sqrt_quotients
from ordercraft.plugins.analysis.errors import AnalysisError
from ordercraft.plugins.analysis.options import XyzOptions

D = Decimal
MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04"]
# The textbook example of docs/analysis.md ("new" had no rows before April: zeros).
TEXTBOOK = {
    "steady": [690, 690, 690, 690],
    "boundary-x": [90, 110, 90, 110],     # mean 100, sd 10: cv 0.10 exactly
    "boundary-y": [75, 125, 75, 125],     # mean 100, sd 25: cv 0.25 exactly
    "lumpy": [0, 200, 0, 200],            # cv 1
    "new": [0, 0, 0, 40],                 # mean 10, sd √300
    "idle": [0, 0, 0, 0],                 # mean 0
}


def item(result: xyz.XyzResult, key: str) -> xyz.XyzItem:
    return next(found for found in result.items if found.key == key)


def test_textbook_figures_are_exact():
    result = xyz.analyse(TEXTBOOK, periods=MONTHS)
    assert [found.key for found in result.items] == sorted(TEXTBOOK)
    figures = {found.key: (found.mean, found.sd, found.cv) for found in result.items}
    assert figures["boundary-x"] == (100, 10, D("0.1"))
    assert figures["boundary-y"] == (100, 25, D("0.25"))
    assert figures["lumpy"] == (100, 100, 1)
    assert figures["steady"] == (690, 0, 0)
    assert figures["new"] == (10, D("17.32050807568877293527446342"),
                              D("1.732050807568877293527446342"))
    assert figures["idle"] == (0, 0, None)


@pytest.mark.parametrize("boundary,expected", [
    ("le", {"steady": "X", "boundary-x": "X", "boundary-y": "Y", "lumpy": "Z", "new": "Z"}),
    ("lt", {"steady": "X", "boundary-x": "Y", "boundary-y": "Z", "lumpy": "Z", "new": "Z"}),
    ("upper", {"steady": "X", "boundary-x": "X", "boundary-y": "Y", "lumpy": "Z",
               "new": "Z"}),
])
def test_textbook_classes_at_the_limits(boundary, expected):
    result = xyz.analyse(TEXTBOOK, periods=MONTHS, options=XyzOptions(boundary=boundary))
    assert result.classes() == {**expected, "idle": None}
    assert item(result, "idle").reason == "mean is zero"


def test_sample_standard_deviation_divides_by_n_minus_1():
    result = xyz.analyse({"boundary-x": TEXTBOOK["boundary-x"]}, periods=MONTHS,
                         options=XyzOptions(sd="sample"))
    found = result.items[0]
    # squares 4 × 100 = 400; 400 / 3; sd = √133.33… = 11.547…, cv 0.11547… > 0.10
    assert found.sd == rounded_sqrt(Fraction(400, 3))
    assert found.cv == rounded_sqrt(Fraction(400, 3) / 100 ** 2)
    assert found.xyz_class == "Y"


def test_document_shape():
    document = xyz.analyse({"kit": [D("3.50"), D("4.50")], "one": [0, 0]},
                           periods=["w1", "w2"]).document()
    assert document == {"ok": True, "periods": ["w1", "w2"], "periods_left_out": [],
                        "items": [
        {"key": "kit", "series": ["3.50", "4.50"], "mean": "4", "sd": "0.5",
         "cv": "0.125", "class": "Y"},
        {"key": "one", "series": ["0", "0"], "mean": "0", "sd": "0", "cv": None,
         "class": None, "reason": "mean is zero"}]}


def test_figures_match_the_statistics_module_and_an_integer_model():
    series = [D("10.01"), D("12.5"), D("11"), D("9.99"), D("10"), D("12.125"), D("0.3")]
    for kind, deviation in (("population", statistics.pstdev), ("sample", statistics.stdev)):
        found = xyz.analyse({"k": series}, periods=list("abcdefg"),
                            options=XyzOptions(sd=kind)).items[0]
        with localcontext() as context:
            context.prec = 28
            assert found.sd == deviation(series)
            assert found.mean == statistics.mean(series)
        exact_mean = sum(map(Fraction, series)) / len(series)
        variance = sum((Fraction(v) - exact_mean) ** 2 for v in series) / (
            len(series) - (kind == "sample"))
        assert found.mean == rounded(exact_mean)
        assert found.sd == rounded_sqrt(variance)
        assert found.cv == rounded_sqrt(variance / exact_mean ** 2)


def test_square_root_rounds_half_even_at_an_exact_midpoint():
    # √(1.00000000000000000000000000050…²): the root is exactly halfway between two
    # 28-digit numbers; half-even keeps the even last digit.
    halfway = D("1.0000000000000000000000000005")
    with localcontext() as context:
        context.prec = 100
        square = halfway * halfway
    assert sqrt_of_ratio(square, D(1)) == D("1.000000000000000000000000000")
    odd = D("1.0000000000000000000000000015")
    with localcontext() as context:
        context.prec = 100
        odd_square = odd * odd
    assert sqrt_of_ratio(odd_square, D(1)) == D("1.000000000000000000000000002")


def squared(value: str) -> Decimal:
    with localcontext() as context:
        context.prec = 100
        return D(value) * D(value)


@pytest.mark.parametrize("radicand,divisor", [
    (D(2), D(1)), (D(1), D(3)), (D("1E-30"), D(7)), (D("99999999999999999999999999999999"),
                                                     D(1)),
    (D(10) ** 56 - 1, D(1)), (D(10) ** 56 + 1, D(1)), (D("0.01"), D("1E+20")),
    (D(0), D(5)), (D(1600), D(400)), (D(300), D(10)),
    # roots exactly halfway between two 28-digit numbers, and just off halfway
    (squared("1.0000000000000000000000000005"), D(1)),
    (squared("1.0000000000000000000000000015"), D(1)),
    (squared("3.0000000000000000000000000015") + D("1E-60"), D(1)),
    (squared("30000000000000000000000000005"), D(10)),
])
def test_square_roots_are_correctly_rounded(radicand, divisor):
    expected = rounded_sqrt(Fraction(radicand) / Fraction(divisor) ** 2)
    assert sqrt_of_ratio(radicand, divisor * divisor) == expected
    assert sqrt_quotients(radicand, [divisor, divisor * 2]) == [
        expected, rounded_sqrt(Fraction(radicand) / Fraction(divisor * 2) ** 2)]


def test_fewer_than_two_periods_zero_and_negative_means_are_unclassifiable():
    result = xyz.analyse({"one": [5], "none": [0]}, periods=["2026-01"])
    assert [(found.mean, found.sd, found.cv, found.xyz_class, found.reason)
            for found in result.items] == [(0, None, None, None, "fewer than 2 periods"),
                                           (5, None, None, None, "fewer than 2 periods")]
    empty = xyz.analyse({"k": []}, periods=[])
    assert (empty.items[0].mean, empty.items[0].reason) == (None, "fewer than 2 periods")
    returns = xyz.analyse({"k": [3, -5]}, periods=["a", "b"]).items[0]
    assert (returns.mean, returns.sd, returns.cv, returns.reason) == (-1, 4, None,
                                                                       "mean is negative")
    assert xyz.analyse({"k": [-3, 5]}, periods=["a", "b"]).items[0].xyz_class == "Z"


def test_aggregation_sums_groups_and_leaves_out_a_trailing_short_group():
    months = [f"2026-{m:02d}" for m in range(1, 8)]
    result = xyz.analyse({"k": [10, 30, 20, 20, 40, 0, 99]}, periods=months, aggregate_by=2)
    assert result.periods == ("2026-01..2026-02", "2026-03..2026-04", "2026-05..2026-06")
    assert result.periods_left_out == ("2026-07",)
    assert (result.items[0].series, result.items[0].cv, result.items[0].xyz_class) == (
        (40, 40, 40), 0, "X")
    whole = xyz.analyse({"k": [1, 2, 3]}, periods=["a", "b", "c"], aggregate_by=3)
    assert (whole.periods, whole.items[0].reason) == (("a..c",), "fewer than 2 periods")
    beyond = xyz.analyse({"k": [1, 2, 3]}, periods=["a", "b", "c"], aggregate_by="4")
    assert (beyond.periods, beyond.periods_left_out) == ((), ("a", "b", "c"))


def test_period_order_and_alignment():
    assert periods_of.order_periods(["10", "9", "1", "2"]) == ("1", "2", "9", "10")
    assert periods_of.order_periods(["2026-10", "2026-09", "2025-12"]) == (
        "2025-12", "2026-09", "2026-10")
    assert periods_of.order_periods(["1", "Q2"]) == ("1", "Q2")
    assert periods_of.align({"k": {"b": D(2)}}, ["a", "b", "c"]) == {"k": [0, 2, 0]}
    with pytest.raises(AnalysisError) as error:
        periods_of.align({"k": {"z": D(2)}}, ["a"])
    assert error.value.field == "period" and "'z'" in error.value.message


@pytest.mark.parametrize("call,field,message", [
    (lambda: xyz.analyse({"k": [1, 2]}, periods=["a"]), "series",
     "series of 'k': 2 value(s) for 1 period(s)"),
    (lambda: xyz.analyse({"k": [1, 2.5]}, periods=["a", "b"]), "series",
     "series of 'k', period 2: 2.5 is not an exact finite number"),
    (lambda: xyz.analyse({"k": [1, 2]}, periods=["a", "a"]), "period",
     "period 'a' is named twice"),
    (lambda: xyz.analyse({"k": [1, 2]}, periods=["a", "b"], aggregate_by=0), "aggregate",
     "option aggregate: 0 is not a whole number of periods >= 1"),
])
def test_bad_series_are_refused(call, field, message):
    with pytest.raises(AnalysisError) as error:
        call()
    assert error.value.field == field and error.value.message.startswith(message)
