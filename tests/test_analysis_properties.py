"""Properties of the analyses over random data, against an independent model:

* ABC: the cumulative share of the last ranked object is exactly 1; classes never go
  up along the ranking (A…B…C); every class is the model's (Fractions, no rounding);
  shares are the exact fractions rounded once; the class totals add up to the total;
  the input's order changes nothing.
* XYZ: mean, sd and cv are the exact values rounded once (integer square roots in the
  model); the class is the model's exact comparison of cv² with the limit².
* Aggregating by n then by m is aggregating by n·m.
* A CSV file written from random lines (split, shuffled) reads back as their sums.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from analysis_kit import abc_classes, rounded, rounded_sqrt, xyz_class, xyz_figures  # noqa: E402
from ordercraft.plugins.analysis import abc, xyz
from ordercraft.plugins.analysis.files import parse_lines
from ordercraft.plugins.analysis.options import AbcOptions, XyzOptions
from ordercraft.plugins.analysis.series import aggregate

KEYS = st.text(alphabet="abcxyz-01", min_size=1, max_size=4)
# Few distinct magnitudes and repeated values, so ties and exact limit hits happen.
AMOUNTS = st.one_of(
    st.integers(min_value=0, max_value=20).map(Decimal),
    st.decimals(min_value=0, max_value=10 ** 6, places=2, allow_nan=False,
                allow_infinity=False))
SIGNED = st.decimals(min_value=-500, max_value=10 ** 4, places=3, allow_nan=False,
                     allow_infinity=False)
LIMITS = st.sampled_from(["0.05", "0.1", "0.25", "0.5", "0.7", "0.75", "0.8", "0.95", "1"])
BOUNDARIES = st.sampled_from(["le", "lt", "upper"])
RANK = {"A": 0, "B": 1, "C": 2}


@st.composite
def abc_cases(draw):
    values = draw(st.dictionaries(KEYS, AMOUNTS, min_size=1, max_size=25))
    values[draw(KEYS)] = draw(AMOUNTS.filter(lambda amount: amount > 0))
    first, second = sorted(map(Decimal, (draw(LIMITS), draw(LIMITS))))
    return values, AbcOptions(a=first, b=second, boundary=draw(BOUNDARIES))


@settings(max_examples=100, deadline=None)
@given(abc_cases())
def test_abc_against_the_model(case):
    values, options = case
    result = abc.analyse(values, options)
    assert result.items[-1].cumulative_share == 1
    ranks = [RANK[item.abc_class] for item in result.items]
    assert ranks == sorted(ranks)
    assert result.classes() == abc_classes(values, options.a, options.b, options.boundary)
    total = sum(values.values())
    assert result.total == total and sum(result.class_totals.values()) == total
    running = Fraction(0)
    for item in result.items:
        running += Fraction(item.value)
        assert item.share == rounded(Fraction(item.value) / Fraction(total))
        assert item.cumulative_share == rounded(running / Fraction(total))
    assert abc.analyse(dict(reversed(list(values.items()))), options) == result


@st.composite
def xyz_cases(draw):
    length = draw(st.integers(min_value=2, max_value=8))
    series = draw(st.dictionaries(KEYS, st.lists(SIGNED | AMOUNTS, min_size=length,
                                                 max_size=length), min_size=1, max_size=6))
    first, second = sorted(map(Decimal, (draw(LIMITS), draw(LIMITS))))
    options = XyzOptions(x=first, y=second, boundary=draw(BOUNDARIES),
                         sd=draw(st.sampled_from(["population", "sample"])))
    return series, length, options


@settings(max_examples=100, deadline=None)
@given(xyz_cases())
def test_xyz_against_the_model(case):
    series, length, options = case
    result = xyz.analyse(series, periods=[str(n) for n in range(length)], options=options)
    for item in result.items:
        values = series[item.key]
        if sum(values) <= 0:
            assert item.xyz_class is None and item.cv is None
            assert item.reason == ("mean is zero" if sum(values) == 0 else "mean is negative")
            continue
        mean, variance, cv_squared = xyz_figures(values, options.sd)
        assert (item.mean, item.sd, item.cv) == (
            rounded(mean), rounded_sqrt(variance), rounded_sqrt(cv_squared))
        assert item.xyz_class == xyz_class(cv_squared, options.x, options.y,
                                           options.boundary)


@settings(max_examples=100, deadline=None)
@given(st.lists(SIGNED, max_size=30), st.integers(1, 4), st.integers(1, 4))
def test_aggregating_twice_is_aggregating_by_the_product(values, first, second):
    assert aggregate(aggregate(values, first), second) == aggregate(values, first * second)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(KEYS, st.sampled_from(["2026-01", "2026-02", "2026-10"]), SIGNED),
                min_size=1, max_size=30), st.randoms())
def test_a_file_reads_back_as_the_sums_of_its_lines(lines, random):
    rows = [[key, period, str(value)] for key, period, value in lines]
    random.shuffle(rows)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["key", "period", "value"])
    writer.writerows(rows)
    parsed = parse_lines(text.getvalue())
    expected: dict[str, dict[str, Decimal]] = {}
    for key, period, value in lines:
        expected.setdefault(key, {}).setdefault(period, Decimal(0))
        expected[key][period] += value
    assert parsed.cells == expected
    assert parsed.totals == {key: sum(by_period.values()) for key, by_period in
                             expected.items()}
    assert list(parsed.periods) == sorted({period for _key, period, _value in lines})
