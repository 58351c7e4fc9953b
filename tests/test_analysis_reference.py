"""The shared reference examples (tests/data/abc_xyz_examples.json): every example comes
out with the expected classes, and its figures, rounded to the 4 places the file shows,
equal the engine's; the engine's unrounded figures are also checked exactly against an
independent model (Fractions, integer square roots)."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from analysis_kit import abc_classes, rounded, rounded_sqrt, xyz_class, xyz_figures  # noqa: E402
from ordercraft.plugins.analysis import abc, xyz
from ordercraft.plugins.analysis.options import AbcOptions, XyzOptions

EXAMPLES = json.loads((Path(__file__).parent / "data" / "abc_xyz_examples.json").read_text())
FOUR_PLACES = Decimal("0.0001")


def four_places(value: Decimal) -> str:
    return str(value.quantize(FOUR_PLACES, rounding=ROUND_HALF_EVEN))


def example_id(example: dict) -> str:
    return "-".join([example["kind"], *map(str, example["options"].values())])


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e["kind"] == "abc"], ids=example_id)
def test_abc_reference_example(example):
    options = AbcOptions(**example["options"])
    result = abc.analyse(example["values"], options)
    expected = example["expected"]
    assert {item.key: (four_places(item.cumulative_share), item.abc_class)
            for item in result.items} == {
        key: (row["cumulative_share"], row["class"]) for key, row in expected.items()}
    # exactly: each cumulative share is the running total over the total, rounded once
    total = sum(example["values"].values())
    running = 0
    for item in result.items:
        running += example["values"][item.key]
        assert item.cumulative_share == rounded(Fraction(running, total))
    assert result.classes() == abc_classes(
        {key: Decimal(value) for key, value in example["values"].items()},
        options.a, options.b, options.boundary)


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e["kind"] == "xyz"], ids=example_id)
def test_xyz_reference_example(example):
    settings = dict(example["options"])
    size = settings.pop("aggregate", 1)
    options = XyzOptions(**settings)
    length = len(next(iter(example["series"].values())))
    result = xyz.analyse(example["series"], periods=[f"p{n}" for n in range(length)],
                         options=options, aggregate_by=size)
    for item in result.items:
        expected = example["expected"][item.key]
        assert item.xyz_class == expected["class"]
        assert four_places(item.cv) == expected["cv"]
        if "series" in expected:
            assert [str(value) for value in item.series] == expected["series"]
        if "mean" in expected:
            assert (four_places(item.mean), four_places(item.sd)) == (expected["mean"],
                                                                      expected["sd"])
        mean, variance, cv_squared = xyz_figures(list(item.series), options.sd)
        assert (item.mean, item.sd, item.cv) == (rounded(mean), rounded_sqrt(variance),
                                                 rounded_sqrt(cv_squared))
        assert item.xyz_class == xyz_class(cv_squared, options.x, options.y, options.boundary)


def test_every_reference_example_is_run():
    kinds = [example["kind"] for example in EXAMPLES]
    assert kinds.count("abc") == 3 and kinds.count("xyz") == 3
