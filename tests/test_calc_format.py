"""The calculator file format: declarations read without running the file, and the
validation of the values a user gives."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from calc_kit import calculator
from ordercraft.core.calc.errors import CalculatorError
from ordercraft.core.calc.format import CalculatorSpec, parse_calculator
from ordercraft.core.errors import ValidationError

DOOR = (Path(__file__).resolve().parents[1] / "scripts_user" / "door.py").read_text()


def spec_of(params: str, body: str = "return []") -> CalculatorSpec:
    return parse_calculator(calculator(body, params=params)).spec


def format_error(text: str) -> CalculatorError:
    with pytest.raises(CalculatorError) as caught:
        parse_calculator(text)
    return caught.value


def test_the_door_declares_its_parameters():
    spec = parse_calculator(DOOR).spec
    assert spec.title == "Interior door"
    assert spec.description.startswith("A door leaf with its frame")
    assert spec.kind == "script"
    assert [p.name for p in spec.params] == ["height", "width", "thickness", "material",
                                             "glazing", "hinges", "opening"]
    height = spec.parameter("height")
    assert (height.type, height.unit, height.min, height.max, height.step, height.default) == (
        "int", "mm", 1900, 2400, 10, 2000)
    assert height.help == "Height of the leaf" and height.label == "Height"
    material = spec.parameter("material")
    assert material.choices == (("mdf", "Painted MDF"), ("pine", "Solid pine"),
                                ("oak", "Oak veneer"))
    assert spec.parameter("thickness").choice_values == (36, 40, 44)


def test_reading_does_not_run_the_file():
    # a file whose every statement would fail if run is still described
    text = calculator("return undefined_name", header="raise SystemExit\nimport os\n",
                      params='param("n", "int", default=1)')
    assert parse_calculator(text).spec.params[0].name == "n"


@pytest.mark.parametrize(("text", "line", "message"), [
    ("params = []\ndef calculate():\n    return []\n", 1, "needs a docstring"),
    ('"""T"""\nparams = [param("h", "float")]\ndef calculate(h):\n    return []\n', 2,
     "type 'float' is not one of int, decimal, str, bool, choice"),
    ('"""T"""\nparams = [param("h", "int", colour="red")]\ndef calculate(h):\n    pass\n', 2,
     "unknown option 'colour'"),
    ('"""T"""\nparams = [\n  param("h", "int", max=2400, default=3000)]\ndef calculate(h):\n'
     "    pass\n", 3, "default 3000 is not valid: 3000 is above the maximum 2400"),
    ('"""T"""\nparams = [param("h", "int", min=5, max=1)]\ndef calculate(h):\n    pass\n', 2,
     "min 5 is above max 1"),
    ('"""T"""\nparams = [param("h", "int"), param("h", "int")]\ndef calculate(h):\n    pass\n',
     2, "parameter 'h' is declared twice"),
    ('"""T"""\nx = 3\nparams = [param("h", "int", max=x)]\ndef calculate(h):\n    pass\n', 3,
     "must be a literal value"),
    ('"""T"""\nparams = [param("Height", "int")]\ndef calculate(Height):\n    pass\n', 2,
     "parameter name 'Height'"),
    ('"""T"""\nparams = [param("price", "int")]\ndef calculate(price):\n    pass\n', 2,
     "reserved"),
    ('"""T"""\nparams = [param("c", "choice")]\ndef calculate(c):\n    pass\n', 2,
     "needs choices"),
    ('"""T"""\nparams = [param("c", "choice", choices=["a", "a"])]\ndef calculate(c):\n'
     "    pass\n", 2, "repeat a value"),
    ('"""T"""\nparams = [param("s", "str", min=1)]\ndef calculate(s):\n    pass\n', 2,
     "min applies to int and decimal"),
    ('"""T"""\nparams = [param("h", "int", step=0)]\ndef calculate(h):\n    pass\n', 2,
     "step must be above zero"),
    ('"""T"""\nparams = [param("h", "int")]\ndef calculate():\n    pass\n', 3,
     "does not take the declared parameter 'h'"),
    ('"""T"""\nparams = []\ndef calculate(extra):\n    pass\n', 3,
     "takes 'extra', which is not a declared parameter"),
    ('"""T"""\nparams = []\n', 1, "needs a calculate() function or a list of formulas"),
    ('"""T"""\nparams = []\nformulas = [formula("total", "1")]\ndef calculate():\n    pass\n',
     3, "either a calculate() function or formulas"),
    ('"""T"""\nparams = param("h", "int")\ndef calculate(h):\n    pass\n', 2,
     "params must be a list"),
    ('"""T"""\nparams = [param(*["h", "int"])]\ndef calculate(h):\n    pass\n', 2,
     "plain arguments"),
])
def test_format_errors_name_the_problem_and_the_line(text, line, message):
    error = format_error(text)
    assert error.code == "format"
    assert error.line == line
    assert message in error.message, error.message


def test_syntax_errors_and_size():
    error = format_error('"""T"""\ndef calculate(:\n')
    assert (error.code, error.line) == ("syntax", 2)
    error = format_error('"""T"""\n' + "#" * 70_000)
    assert error.code == "too_large" and "at most 65536" in error.message
    error = format_error('"""T"""\nx = ' + "(" * 3000 + ")" * 3000)
    assert error.code == "syntax"


SPEC = spec_of("""
    param("height", "int", unit="mm", min=1800, max=2400, step=100, default=2000),
    param("rate", "decimal", min="0.5", max=10, default="1.5"),
    param("glazing", "bool"),
    param("colour", "str", max_length=10, default="white"),
    param("finish", "choice", choices={"matt": "Matt", "gloss": "Gloss"}),
    param("thickness", "decimal", choices=[36, "40.5"], default=36),
""")


def test_values_are_typed_and_defaults_filled_in():
    values = SPEC.validate({"height": "2100", "finish": "gloss", "rate": "2,25",
                            "glazing": "yes"})
    assert values == {"height": 2100, "rate": Decimal("2.25"), "glazing": True,
                      "colour": "white", "finish": "gloss", "thickness": Decimal("36")}
    assert SPEC.validate({"finish": "matt", "height": 2000, "glazing": False,
                          "thickness": "40.5"})["thickness"] == Decimal("40.5")


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"height": "2150"}, "height", "height: 2150 mm is not a multiple of 100 mm counted "
                                   "from 1800 mm"),
    ({"height": "1700"}, "height", "height: 1700 mm is below the minimum 1800 mm"),
    ({"height": "2000.5"}, "height", "height: '2000.5' is not a whole number"),
    ({"height": True}, "height", "is not a whole number"),
    ({"rate": "abc"}, "rate", "rate: 'abc' is not a number"),
    ({"rate": 1.5}, "rate", "floats are not accepted"),
    ({"rate": "NaN"}, "rate", "not a finite number"),
    ({"rate": "0.1"}, "rate", "rate: 0.1 is below the minimum 0.5"),
    ({"glazing": "maybe"}, "glazing", "is not yes/no"),
    ({"colour": "x" * 11}, "colour", "at most 10"),
    ({"finish": "satin"}, "finish", "finish: 'satin' is not one of the choices: 'matt', 'gloss'"),
    ({"thickness": "38"}, "thickness", "thickness: 38 is not one of the choices: 36, 40.5"),
    ({"depth": "1"}, "depth", "depth: unknown parameter"),
    ({"height": "9" * 2000}, "height", "at most 1000 are accepted"),
])
def test_a_wrong_value_names_its_field(values, field, message):
    values = {"finish": "matt", **values}
    with pytest.raises(ValidationError) as caught:
        SPEC.validate(values)
    assert caught.value.field == field
    assert message in caught.value.message, caught.value.message


def test_every_wrong_field_is_reported_at_once():
    with pytest.raises(ValidationError) as caught:
        SPEC.validate({"height": "1", "rate": "x"})
    errors = caught.value.details["errors"]
    assert set(errors) == {"height", "rate", "finish"}
    assert errors["finish"] == "finish: a value is required"


def test_the_description_survives_plain_data_and_is_rechecked():
    data = parse_calculator(DOOR).spec.to_dict()
    again = CalculatorSpec.from_dict(data)
    assert again.to_dict() == data
    assert again.validate({}) == parse_calculator(DOOR).spec.validate({})
    for broken in ({**data, "kind": "evil"}, {**data, "title": "x" * 500},
                   {**data, "params": [{"name": "__class__", "type": "int"}]},
                   {**data, "params": [{"name": "h", "type": "int", "min": "x"}]},
                   {**data, "params": "nope"}):
        with pytest.raises(CalculatorError):
            CalculatorSpec.from_dict(broken)


def test_messages_quote_a_value_briefly():
    with pytest.raises(ValidationError) as caught:
        SPEC.validate({"finish": "matt", "height": [[1, 2, 3]] * 1000})
    assert caught.value.field == "height"
    assert len(caught.value.message) < 120 and caught.value.message.endswith(
        "is not a whole number")


@pytest.mark.parametrize(("declaration", "message"), [
    ('param("x", "decimal", min="-1e29", step="1e-29")',
     "parameter 'x': min '-1e29' is out of range: at most 15 digits before the decimal point"),
    ('param("x", "decimal", step="1e-29")',
     "parameter 'x': step '1e-29' has 29 decimal places; at most 10 are allowed"),
    ('param("x", "int", max=10**15)', "must be a literal value"),
    ('param("x", "int", max=1000000000000000)',
     "parameter 'x': max 1000000000000000 is out of range"),
    ('param("x", "decimal", default="0.00000000001")',
     ("parameter 'x': default '0.00000000001' is not valid: '0.00000000001' has 11 decimal "
      "places")),
    ('param("x", "decimal", choices=["1", "1e16"])', "parameter 'x': choice '1e16' is out of range"),
])
def test_numbers_no_parameter_needs_are_refused_when_the_file_is_read(declaration, message):
    error = format_error(calculator("return []", params=declaration))
    assert error.code == "format" and error.line == 6
    assert message in error.message, error.message


def test_range_and_step_checks_are_exact_at_the_bounds():
    spec = spec_of('param("x", "decimal", min="-99999999999999.9999999999", '
                   'max="99999999999999.9999999999", step="0.0000000001")')
    assert spec.validate({"x": "99999999999999.9999999999"}) == {
        "x": Decimal("99999999999999.9999999999")}
    assert spec.validate({"x": "-1.50000000000000000"}) == {"x": Decimal("-1.50000000000000000")}
    for value, problem in (("1e15", "is out of range"), ("0.00000000001", "has 11 decimal"),
                           ("1e-999999", "has 999999 decimal places")):
        with pytest.raises(ValidationError) as caught:
            spec.validate({"x": value})
        assert problem in caught.value.message
    counted = spec_of('param("n", "int", step=7)')
    with pytest.raises(ValidationError, match="is out of range"):
        counted.validate({"n": "7" * 16})
