"""ABC classes: ranking, ties, the three boundary rules at and across each limit, zero
and negative values, class totals, bad input; exact shares."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ordercraft.plugins.analysis import abc
from ordercraft.plugins.analysis.errors import AnalysisError
from ordercraft.plugins.analysis.options import AbcOptions

D = Decimal

# The textbook example of docs/analysis.md: total 1000, controller ends exactly at 0.80,
# bolt and cable tie at 30 (bolt first by key), cable crosses 0.95.
TEXTBOOK = {"motor": 450, "gearbox": 250, "controller": 100, "sensor": 60, "frame": 50,
            "cable": 30, "bolt": 30, "nut": 20, "washer": 10}
ORDER = ["motor", "gearbox", "controller", "sensor", "frame", "bolt", "cable", "nut", "washer"]
CUMULATIVE = ["0.45", "0.7", "0.8", "0.86", "0.91", "0.94", "0.97", "0.99", "1"]


def classes(result: abc.AbcResult) -> str:
    return "".join(item.abc_class or "-" for item in result.items)


def test_textbook_ranking_shares_and_cumulative_shares_are_exact():
    result = abc.analyse(TEXTBOOK)
    assert [item.key for item in result.items] == ORDER
    assert [item.cumulative_share for item in result.items] == [D(c) for c in CUMULATIVE]
    assert [item.share for item in result.items] == [
        D(TEXTBOOK[key]) / 1000 for key in ORDER]
    assert result.total == 1000


@pytest.mark.parametrize("boundary,expected,totals", [
    # controller sits exactly at a = 0.80, cable crosses b = 0.95 (0.94 -> 0.97)
    ("le", "AAABBBCCC", ("800", "140", "60")),
    ("lt", "AABBBBCCC", ("700", "240", "60")),
    ("upper", "AAABBBBCC", ("800", "170", "30")),
])
def test_textbook_classes_under_each_boundary_rule(boundary, expected, totals):
    result = abc.analyse(TEXTBOOK, AbcOptions(boundary=boundary))
    assert classes(result) == expected
    assert result.document()["class_totals"] == dict(zip("ABC", totals, strict=True))


def test_document_has_the_documented_shape_with_decimal_strings():
    document = abc.analyse({"kit": D("21000.00"), "robot": D("52000.00"),
                            "screw": D("27000.00")}).document()
    assert document == {"ok": True, "items": [
        {"key": "robot", "value": "52000.00", "share": "0.52", "cumulative_share": "0.52",
         "class": "A"},
        {"key": "screw", "value": "27000.00", "share": "0.27", "cumulative_share": "0.79",
         "class": "A"},
        {"key": "kit", "value": "21000.00", "share": "0.21", "cumulative_share": "1",
         "class": "C"}],
        "class_totals": {"A": "79000.00", "B": "0", "C": "21000.00"}}


def test_shares_are_rounded_once_to_28_digits_and_classes_use_the_exact_value():
    # Three equal thirds: the cumulative share after two is 2/3 exactly, reported as
    # 0.6666666666666666666666666667; with a = 2/3 rounded *down* to 28 digits the
    # exact 2/3 is above a, so the object is B under le (a rounded comparison would say A).
    a = D("0.6666666666666666666666666666")
    result = abc.analyse({"x": 1, "y": 1, "z": 1}, AbcOptions(a=a, b=1))
    assert [item.cumulative_share for item in result.items] == [
        D("0.3333333333333333333333333333"), D("0.6666666666666666666666666667"), D(1)]
    assert classes(result) == "ABB"


def test_exact_limits_hit_with_long_decimals():
    values = {"p": D("0.1"), "q": D("0.2"), "r": D("0.3"), "s": D("0.4")}  # total 1.0
    # cumulative: s 0.4, r 0.7, q 0.9, p 1.0; a = 0.7 and b = 0.9 are hit exactly
    le = abc.analyse(values, AbcOptions(a=D("0.7"), b=D("0.9")))
    lt = abc.analyse(values, AbcOptions(a=D("0.7"), b=D("0.9"), boundary="lt"))
    assert (classes(le), classes(lt)) == ("AABC", "ABCC")


def test_ties_are_ranked_by_key_whatever_the_input_order():
    forward = abc.analyse({"b": 5, "a": 5, "c": 5, "z": 10})
    backward = abc.analyse(dict(reversed(list({"b": 5, "a": 5, "c": 5, "z": 10}.items()))))
    assert [item.key for item in forward.items] == ["z", "a", "b", "c"]
    assert forward == backward


def test_one_dominant_object_under_le_lt_and_upper():
    # The first object alone passes both limits: le and lt put it in C, upper keeps it in A.
    values = {"big": 97, "small": 3}
    assert classes(abc.analyse(values)) == "CC"
    assert classes(abc.analyse(values, AbcOptions(boundary="lt"))) == "CC"
    assert classes(abc.analyse(values, AbcOptions(boundary="upper"))) == "AC"


def test_limits_of_one_and_equal_limits():
    values = {"a": 3, "b": 1}
    assert classes(abc.analyse(values, AbcOptions(a=1, b=1))) == "AA"
    assert classes(abc.analyse(values, AbcOptions(a=1, b=1, boundary="lt"))) == "AC"
    assert classes(abc.analyse(values, AbcOptions(a=D("0.75"), b=D("0.75")))) == "AC"


def test_zero_values_are_ranked_last_with_share_zero():
    result = abc.analyse({"none": 0, "some": 10, "also-none": D("0.00")})
    assert [(item.key, item.share, item.cumulative_share, item.abc_class)
            for item in result.items] == [("some", 1, 1, "C"), ("also-none", 0, 1, "C"),
                                          ("none", 0, 1, "C")]
    upper = abc.analyse({"none": 0, "some": 10}, AbcOptions(boundary="upper"))
    assert classes(upper) == "AC"


def test_negative_values_are_listed_apart_without_class():
    result = abc.analyse({"loss": D("-40"), "gain": 80, "small-loss": -1, "other": 20})
    document = result.document()
    assert [item["key"] for item in document["items"]] == ["gain", "other", "small-loss",
                                                            "loss"]
    assert document["items"][2] == {"key": "small-loss", "value": "-1", "share": None,
                                    "cumulative_share": None, "class": None,
                                    "reason": "negative value: not ranked"}
    assert result.total == 100
    assert document["class_totals"] == {"A": "80", "B": "0", "C": "20"}
    assert result.classes() == {"gain": "A", "other": "C", "small-loss": None, "loss": None}


def test_nothing_to_rank_is_an_error_naming_the_measure():
    with pytest.raises(AnalysisError) as empty:
        abc.analyse({}, measure="revenue")
    assert empty.value.code == "empty" and "revenue" in empty.value.message
    with pytest.raises(AnalysisError) as zero:
        abc.analyse({"a": 0, "b": -5}, measure="gross margin")
    assert (zero.value.code, zero.value.field) == ("zero_total", "measure")
    assert zero.value.message == ("the total of gross margin is 0 over 2 object(s): shares "
                                  "cannot be computed")


@pytest.mark.parametrize("value", [1.5, "12", D("NaN"), D("Infinity"), None, True])
def test_a_value_that_is_not_an_exact_number_is_refused_naming_the_key(value):
    with pytest.raises(AnalysisError) as error:
        abc.analyse({"ok": 1, "bad": value})
    assert error.value.field == "value" and error.value.details == {"key": "bad"}
    assert error.value.message.startswith(f"value of 'bad': {value!r}")
