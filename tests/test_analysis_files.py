"""The analyses over a CSV file: header and separator, sums per key and period, periods
in order with gaps as zeros, the options each analysis takes, and bad files refused
with the row, the column and the value, nothing computed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from ordercraft.plugins.analysis.errors import AnalysisError
from ordercraft.plugins.analysis.files import analyse_file, parse_lines, read_lines

D = Decimal


def write(tmp_path: Path, text: str, name: str = "lines.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_lines_are_summed_per_key_and_period_in_any_column_order():
    lines = parse_lines("Period, VALUE ,key\n2026-02,5,kit\n2026-01,1.50,kit\n\n"
                        "2026-02,2.25,kit\n2026-03,7,servo\n")
    assert lines.periods == ("2026-01", "2026-02", "2026-03")
    assert lines.totals == {"kit": D("8.75"), "servo": 7}
    assert lines.cells == {"kit": {"2026-02": D("7.25"), "2026-01": D("1.50")},
                           "servo": {"2026-03": 7}}
    assert lines.series() == {"kit": [D("1.50"), D("7.25"), 0], "servo": [0, 0, 7]}


def test_key_value_file_has_no_periods():
    lines = parse_lines("key,value\r\nb,2\r\na,1\r\nb,3\r\n")
    assert (lines.periods, lines.totals, lines.cells) == ((), {"b": 5, "a": 1}, {})


def test_semicolon_file_with_decimal_commas_and_a_byte_order_mark(tmp_path):
    path = write(tmp_path, "\ufeffkey;period;value\nkit;1;1 234,50\nkit;2;0,5\n"
                 "kit;10;\"2\u202f000,25\"\n", encoding="utf-8")
    lines = read_lines(path)
    assert lines.periods == ("1", "2", "10")
    assert lines.series() == {"kit": [D("1234.50"), D("0.5"), D("2000.25")]}


def test_quoted_fields_and_unnamed_empty_columns():
    lines = parse_lines('key,value,\n"Robot, standard",10,\n"Robot, standard",5\n')
    assert lines.totals == {"Robot, standard": 15}


def test_keys_and_labels_are_trimmed_and_case_sensitive():
    lines = parse_lines("key,value\n kit ,1\nKit,2\nkit,3\n")
    assert lines.totals == {"kit": 4, "Kit": 2}


def test_abc_from_file(tmp_path):
    path = write(tmp_path, "key,period,value\nrobot,2026-01,300\nrobot,2026-02,220\n"
                 "kit,2026-01,210\nscrew,2026-02,270\n")
    document = analyse_file("abc", path, a="0.80", b="0.95", boundary="le")
    assert document == {"ok": True, "items": [
        {"key": "robot", "value": "520", "share": "0.52", "cumulative_share": "0.52",
         "class": "A"},
        {"key": "screw", "value": "270", "share": "0.27", "cumulative_share": "0.79",
         "class": "A"},
        {"key": "kit", "value": "210", "share": "0.21", "cumulative_share": "1",
         "class": "C"}], "class_totals": {"A": "790", "B": "0", "C": "210"}}


def test_xyz_abcxyz_and_bcg_from_file(tmp_path):
    path = write(tmp_path, "key,period,value\n"
                 + "".join(f"steady,2026-0{m},10\n" for m in range(1, 5))
                 + "lumpy,2026-01,40\nlumpy,2026-03,1\n")
    stability = analyse_file("xyz", path, aggregate="2", sd="sample")
    assert stability["periods"] == ["2026-01..2026-02", "2026-03..2026-04"]
    assert [(row["key"], row["series"], row["class"]) for row in stability["items"]] == [
        ("lumpy", ["40", "1"], "Z"), ("steady", ["20", "20"], "X")]
    # lumpy 41 of 81 (0.506…), steady crosses 0.80 and stays A under upper
    cells = analyse_file("abcxyz", path, boundary="upper")["cells"]
    assert (cells["AZ"], cells["AX"]) == ({"count": 1, "value": "41"},
                                          {"count": 1, "value": "40"})
    assert analyse_file("abcxyz", path)["cells"]["CX"] == {"count": 1, "value": "40"}
    quadrants = analyse_file("bcg", path, growth="0")
    assert quadrants["periods"] == {"previous": "2026-03", "current": "2026-04"}
    assert [(row["key"], row["quadrant"]) for row in quadrants["items"]] == [
        ("steady", "star"), ("lumpy", "dog")]


@pytest.mark.parametrize("text,code,field,message", [
    ("", "empty", "file", "file 'lines.csv': the file is empty"),
    ("\n \n", "empty", "file", "file 'lines.csv': the file is empty"),
    ("key,value\n\n", "empty", "file",
     "file 'lines.csv': no rows under the header: there is nothing to analyse"),
    ("key,period\nkit,2026-01\n", "invalid", "value",
     'file \'lines.csv\', row 1: the file has no column "value"'),
    ("value\n3\n", "invalid", "key", 'file \'lines.csv\', row 1: the file has no column "key"'),
    ("key,value,qty\n", "invalid", "file",
     "file 'lines.csv', row 1: column \"qty\" is not one of key, period, value"),
    ("key,Value,value\n", "invalid", "value",
     "file 'lines.csv', row 1: the column \"value\" is named twice"),
    ("\nkey,Value\nkit,1\n\nkit,n/a\n", "invalid", "value",
     "file 'lines.csv', row 5, column \"Value\": 'n/a' is not a number"),
    ("key,value\nkit,NaN\n", "invalid", "value",
     "file 'lines.csv', row 2, column \"value\": 'NaN' is not a number"),
    ("key,value\nkit,12 pcs\n", "invalid", "value",
     "file 'lines.csv', row 2, column \"value\": '12 pcs' is not a number"),
    ("key,value\nkit\n", "invalid", "value",
     "file 'lines.csv', row 2, column \"value\": empty: a number is needed"),
    ("key,value\n,4\n", "invalid", "key",
     "file 'lines.csv', row 2, column \"key\": empty: a key is needed"),
    ("key,period,value\nkit, ,4\n", "invalid", "period",
     "file 'lines.csv', row 2, column \"period\": empty: a period is needed"),
    ('key,value\n"two\nlines",1\nkit,x\n', "invalid", "value",
     "file 'lines.csv', row 4, column \"value\": 'x' is not a number"),
    ("key;value\nkit;1.234,5\n", "invalid", "value",
     "file 'lines.csv', row 2, column \"value\": '1.234,5' is not a number"),
    ("key,value\nkit,1,5\n", "invalid", "file",
     "file 'lines.csv', row 2: column 3 holds '5' but the header names no column for it"),
])
def test_bad_files_name_the_row_column_and_value(tmp_path, text, code, field, message):
    path = write(tmp_path, text)
    with pytest.raises(AnalysisError) as error:
        analyse_file("abc", path)
    assert (error.value.code, error.value.field) == (code, field)
    assert error.value.message.startswith(message.replace("'lines.csv'", repr(str(path))))


def test_a_row_the_csv_reader_cannot_read_is_named():
    with pytest.raises(AnalysisError) as error:
        parse_lines('key,value\nkit,1\n"' + "x" * 200_000 + '",1\n', name="big.csv")
    assert error.value.message == ("file 'big.csv', row 3: field larger than field limit "
                                   "(131072)")


def test_row_and_column_are_in_the_details(tmp_path):
    with pytest.raises(AnalysisError) as error:
        analyse_file("abc", write(tmp_path, "KEY,Value\nkit,one\n"))
    assert error.value.details == {"row": 2, "column": "Value"}


def test_a_missing_file_and_a_file_that_is_not_utf8(tmp_path):
    with pytest.raises(AnalysisError) as missing:
        analyse_file("abc", tmp_path / "none.csv")
    assert missing.value.message.endswith("none.csv': no such file")
    with pytest.raises(AnalysisError) as latin:
        analyse_file("abc", write(tmp_path, "key,value\nçà,1\n", encoding="latin-1"))
    assert "not UTF-8 text (byte 0xe7 at offset 10)" in latin.value.message


@pytest.mark.parametrize("kind,options,field,message", [
    ("pareto", {}, "kind", "analysis 'pareto' is not one of abc, xyz, abcxyz, bcg"),
    ("abc", {"x": "0.2"}, "x", "option x does not apply to abc (it takes a, b, boundary)"),
    ("bcg", {"a": "0.8"}, "a", "option a does not apply to bcg"),
    ("abc", {"a": "0.9", "b": "0.5"}, "b", "option b: 0.5 is below a = 0.9"),
    ("xyz", {"aggregate": "0"}, "aggregate", "option aggregate: '0' is not a whole number"),
    ("abcxyz", {"boundary": "lte"}, "boundary", "option boundary: 'lte' is not one of"),
])
def test_options_are_checked_before_the_file_is_read(tmp_path, kind, options, field, message):
    with pytest.raises(AnalysisError) as error:
        analyse_file(kind, tmp_path / "never-read.csv", **options)
    assert error.value.field == field and error.value.message.startswith(message)


@pytest.mark.parametrize("kind", ["xyz", "abcxyz", "bcg"])
def test_analyses_over_time_need_a_period_column(tmp_path, kind):
    with pytest.raises(AnalysisError) as error:
        analyse_file(kind, write(tmp_path, "key,value\nkit,1\n"))
    assert error.value.field == "period"
    assert error.value.message == (f"{kind} needs a period column: the file has key,value "
                                   "lines, it needs key,period,value")


def test_bcg_needs_two_whole_periods(tmp_path):
    path = write(tmp_path, "key,period,value\nkit,1,1\nkit,2,1\nkit,3,1\n")
    with pytest.raises(AnalysisError) as error:
        analyse_file("bcg", path, aggregate=2)
    assert (error.value.field, error.value.message) == (
        "aggregate", "bcg compares the last two periods: the file has 3 period(s), "
        "1 whole period(s) of 2")
    with pytest.raises(AnalysisError) as single:
        analyse_file("bcg", write(tmp_path, "key,period,value\nkit,1,1\n", "one.csv"))
    assert single.value.field == "period"
