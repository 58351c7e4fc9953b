"""BCG quadrants (share of the current total and growth, thresholds on the high side,
new objects, set-apart objects) and the ABC-XYZ matrix (nine cells, the unclassifiable
listed apart); the options of every analysis, validated."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ordercraft.plugins.analysis import abc, bcg, matrix, xyz
from ordercraft.plugins.analysis.errors import AnalysisError
from ordercraft.plugins.analysis.options import AbcOptions, BcgOptions, XyzOptions, aggregate_size

D = Decimal
# The textbook example of docs/analysis.md: current total 1000, five objects selling
# (average share 0.2); kits grow exactly 0.10 and parts hold exactly 0.2.
PREVIOUS = {"robots": 400, "kits": 200, "parts": 150, "spares": 100, "services": 50}
CURRENT = {"robots": 400, "kits": 220, "parts": 200, "software": 80, "spares": 100}


def test_bcg_textbook_quadrants():
    result = bcg.analyse(PREVIOUS, CURRENT, periods=("2025", "2026"))
    assert [(found.key, found.share, found.growth, found.quadrant, found.note)
            for found in result.items] == [
        ("robots", D("0.4"), 0, "cash_cow", None),
        ("kits", D("0.22"), D("0.1"), "star", None),
        ("parts", D("0.2"), D("0.3333333333333333333333333333"), "star", None),
        ("spares", D("0.1"), 0, "dog", None),
        ("software", D("0.08"), None, "question_mark",
         "new: nothing in the previous period, growth counts as high"),
        ("services", 0, -1, "dog", None)]
    assert result.share_threshold == D("0.2")
    document = result.document()
    assert document["quadrants"] == {
        "star": {"count": 2, "value": "420"}, "cash_cow": {"count": 1, "value": "400"},
        "question_mark": {"count": 1, "value": "80"}, "dog": {"count": 2, "value": "100"}}
    assert document["periods"] == {"previous": "2025", "current": "2026"}
    assert (document["share_threshold"], document["growth_threshold"]) == ("0.2", "0.1")
    assert document["items"][4] == {
        "key": "software", "previous": "0", "current": "80", "share": "0.08",
        "growth": None, "quadrant": "question_mark",
        "note": "new: nothing in the previous period, growth counts as high"}


def test_bcg_thresholds_given_and_exactly_met():
    result = bcg.analyse(PREVIOUS, CURRENT, options=BcgOptions(share="0.22", growth="0"))
    quadrants = {found.key: found.quadrant for found in result.items}
    # kits hold exactly 0.22 (high), robots grow exactly 0 (high), parts 0.2 < 0.22
    assert quadrants == {"robots": "star", "kits": "star", "parts": "question_mark",
                         "spares": "question_mark", "software": "question_mark",
                         "services": "dog"}
    shrinking = bcg.analyse({"a": 100, "b": 100}, {"a": 95, "b": 80},
                            options=BcgOptions(growth="-0.05"))
    assert [(found.key, found.quadrant) for found in shrinking.items] == [
        ("a", "star"), ("b", "dog")]


def test_bcg_default_share_threshold_counts_only_objects_that_sell():
    result = bcg.analyse({"a": 1, "b": 1, "c": 1}, {"a": 2, "b": 1})
    # c sells nothing now: two objects sell, the threshold is 1/2, so b (1/3) is low
    # (counting c, the threshold would be 1/3 and b a cash cow)
    assert result.share_threshold == D("0.5")
    assert [(found.key, found.quadrant) for found in result.items] == [
        ("a", "star"), ("b", "dog"), ("c", "dog")]
    thirds = bcg.analyse({}, {"a": 1, "b": 1, "c": 1})
    assert thirds.share_threshold == D("0.3333333333333333333333333333")
    # exactly the average share (1/3, not its rounding) is high
    assert {found.quadrant for found in thirds.items} == {"star"}


def test_bcg_objects_set_apart():
    result = bcg.analyse({"refund": 10, "quiet": 0, "old": -5, "a": 10},
                         {"refund": -2, "quiet": 0, "a": 10})
    document = result.document()
    assert [(row["key"], row["quadrant"], row.get("reason")) for row in document["items"]] == [
        ("a", "cash_cow", None), ("quiet", None, "no value in either period"),
        ("old", None, "negative value"), ("refund", None, "negative value")]
    assert document["items"][2]["share"] is None and document["items"][1]["share"] == "0"


def test_bcg_nothing_or_zero_total_is_an_error():
    with pytest.raises(AnalysisError) as empty:
        bcg.analyse({}, {})
    assert empty.value.code == "empty"
    with pytest.raises(AnalysisError) as zero:
        bcg.analyse({"a": 5}, {"a": 0}, periods=("2025", "2026"), measure="revenue")
    assert (zero.value.code, zero.value.message) == (
        "zero_total", "the total of revenue in '2026' is 0: shares cannot be computed")
    with pytest.raises(AnalysisError) as bad:
        bcg.analyse({"a": 0.5}, {"a": 1}, periods=("2025", "2026"))
    assert bad.value.details == {"key": "a", "period": "2025"}


def test_matrix_cells_items_and_unclassifiable():
    values = {"steady": 2760, "boundary-x": 400, "boundary-y": 400, "lumpy": 400,
              "new": 40, "idle": 0, "loss": -10, "no-series": 5}
    series = {"steady": [690] * 4, "boundary-x": [90, 110, 90, 110],
              "boundary-y": [75, 125, 75, 125], "lumpy": [0, 200, 0, 200],
              "new": [0, 0, 0, 40], "idle": [0] * 4, "loss": [-5, -5, 0, 0],
              "only-series": [1, 1, 1, 1]}
    result = matrix.combine(abc.analyse(values), xyz.analyse(series, periods=list("abcd")))
    document = result.document()
    assert list(document["cells"]) == ["AX", "AY", "AZ", "BX", "BY", "BZ", "CX", "CY", "CZ"]
    assert {name: (cell["count"], cell["value"]) for name, cell in document["cells"].items()
            if cell["count"]} == {"AX": (2, "3160"), "BY": (1, "400"), "CZ": (2, "440")}
    assert document["cells"]["BX"] == {"count": 0, "value": "0"}
    assert [(row["key"], row["abc"], row["xyz"]) for row in document["items"]] == [
        ("steady", "A", "X"), ("boundary-x", "A", "X"), ("boundary-y", "B", "Y"),
        ("lumpy", "C", "Z"), ("new", "C", "Z")]
    assert document["unclassifiable"] == [
        {"key": "no-series", "value": "5", "abc": "C", "xyz": None,
         "reason": "no series in the XYZ analysis"},
        {"key": "idle", "value": "0", "abc": "C", "xyz": None, "reason": "mean is zero"},
        {"key": "loss", "value": "-10", "abc": None, "xyz": None,
         "reason": "negative value: not ranked"},
        {"key": "only-series", "value": None, "abc": None, "xyz": "X",
         "reason": "not in the ABC analysis"}]


@pytest.mark.parametrize("build,field,message", [
    (lambda: AbcOptions(a="1.5"), "a", "option a: '1.5' is not in (0, 1]"),
    (lambda: AbcOptions(a="80"), "a", "option a: '80' is not in (0, 1] (a fraction: 80 % is"),
    (lambda: AbcOptions(a=0), "a", "option a: '0' is not in (0, 1]"),
    (lambda: AbcOptions(b="-0.1"), "b", "option b: '-0.1' is not in (0, 1]"),
    (lambda: AbcOptions(a="0.9", b="0.8"), "b", "option b: 0.8 is below a = 0.9"),
    (lambda: AbcOptions(a="eighty"), "a", "option a: 'eighty' is not a number"),
    (lambda: AbcOptions(a=0.8), "a", "option a: 0.8 is not a decimal number"),
    (lambda: AbcOptions(a="NaN"), "a", "option a: 'NaN' is not a finite number"),
    (lambda: AbcOptions(boundary="ge"), "boundary",
     "option boundary: 'ge' is not one of le, lt, upper"),
    (lambda: XyzOptions(x="0.3"), "x", "option x: 0.3 is above y = 0.25"),
    (lambda: XyzOptions(y="2"), "y", "option y: '2' is not in (0, 1]"),
    (lambda: XyzOptions(sd="unbiased"), "sd",
     "option sd: 'unbiased' is not one of population, sample"),
    (lambda: BcgOptions(share="0"), "share", "option share: '0' is not in (0, 1]"),
    (lambda: BcgOptions(growth="-1"), "growth", "option growth: '-1' is not above -1"),
    (lambda: aggregate_size("1.5"), "aggregate", "option aggregate: '1.5' is not a whole"),
    (lambda: aggregate_size(True), "aggregate", "option aggregate: True is not a whole"),
])
def test_bad_options_name_the_option_and_the_value(build, field, message):
    with pytest.raises(AnalysisError) as error:
        build()
    assert (error.value.code, error.value.field) == ("invalid", field)
    assert error.value.message.startswith(message)
    assert error.value.to_dict() == {"code": "invalid", "message": error.value.message,
                                     "field": field}


def test_options_from_text_are_decimals():
    options = AbcOptions(a=" 0.7 ", b="1", boundary="upper")
    assert (options.a, options.b, options.boundary) == (D("0.7"), 1, "upper")
    assert XyzOptions(x=D("0.05"), y=1).y == 1
    assert (BcgOptions(growth="0").growth, aggregate_size(" 3 ")) == (0, 3)
