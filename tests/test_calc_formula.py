"""Formula calculators: a whitelist of syntax, exact evaluation, rendered formulas."""

from __future__ import annotations

from decimal import Decimal

import pytest

from calc_kit import CATALOG, run, short_pool
from ordercraft.core.calc.errors import CalculatorError
from ordercraft.core.calc.format import parse_calculator


@pytest.fixture(scope="module")
def pool():
    pool = short_pool(timeout=1.5, describe_timeout=30)
    yield pool
    pool.close()


def formulas(*entries: str, params: str = 'param("w", "int", default=800), '
                                          'param("h", "int", default=2000)') -> str:
    body = ",\n    ".join(entries)
    return f'"""Formulas\n\nA test.\n"""\nparams = [{params}]\nformulas = [\n    {body},\n]\n'


def test_values_are_exact_and_the_formulas_are_shown(pool):
    text = formulas('formula("area", "w * h / 10**6", unit="m2", label="Area")',
                    'formula("third", "area / 3")',
                    'formula("exact", "third * 3 == area")',
                    'formula("panel", "area * price(\'panel\')", line="part")',
                    'formula("total", "panel + 2 * price(\'hinge\')")')
    result = run(text, {"w": 900}, pool=pool)
    values = {f.name: f.value for f in result.formulas}
    # 1.8 / 3 * 3 is 1.8 exactly with rationals (0.6 would be 0.59999... in floats)
    assert values == {"area": "1.8", "third": "0.6", "exact": "1", "panel": "22.50",
                      "total": "28.70"}
    assert result.total == Decimal("28.70")
    assert [(line.kind, line.name, str(line.amount)) for line in result.lines] == [
        ("part", "Panel", "22.50")]
    area = result.formulas[0]
    assert area.expression == "w * h / 10 ** 6"
    assert area.latex == r"\frac{w h}{10^{6}}"
    assert area.unit == "m2" and area.label == "Area"
    total = result.formulas[-1]
    assert r"\operatorname{price}" in total.latex and r"\mathrm{panel}" in total.latex
    assert sorted(result.catalog) == ["hinge", "panel"]


def test_conditions_choices_and_functions(pool):
    text = formulas(
        'formula("sku", "\'panel\' if big else \'hinge\'")',
        'formula("big", "w > 1000 and not glazed")',
        'formula("total", "round(max(1, min(w, 5)) * price(sku) + ceil(w / 7) - floor(h / 7)'
        ' + abs(-2) + sqrt(16) + w // 3 + w % 7, 2)")',
        params='param("w", "int", default=800), param("h", "int", default=2000), '
               'param("glazed", "bool")')
    # the names are read in order: sku refers to big before big is defined
    with pytest.raises(CalculatorError) as caught:
        parse_calculator(text)
    assert "unknown name 'big'" in caught.value.message
    text = formulas(
        'formula("big", "w > 1000 and not glazed")',
        'formula("sku", "\'panel\' if big else \'hinge\'")',
        'formula("total", "round(max(1, min(w, 5)) * price(sku) + ceil(w / 7) - floor(h / 7)'
        ' + abs(-2) + sqrt(16) + w // 3 + w % 7, 2)")',
        params='param("w", "int", default=800), param("h", "int", default=2000), '
               'param("glazed", "bool")')
    small = {f.name: f.value for f in run(text, pool=pool).formulas}
    # 5 x 3.10 + ceil(114.28..) - floor(285.71..) + 2 + 4 + 266 + 2
    assert small == {"big": "0", "sku": "hinge", "total": str(Decimal("15.50") + 115 - 285
                                                                + 2 + 4 + 266 + 2)}
    big = {f.name: f.value for f in run(text, {"w": 1200}, pool=pool).formulas}
    assert big["sku"] == "panel" and big["big"] == "1"


@pytest.mark.parametrize(("expression", "message"), [
    ("w.__class__", "Attribute is not allowed"),
    ("__import__('os')", "only these functions can be called"),
    ("(lambda: 1)()", "only these functions can be called"),
    ("[x for x in (1, 2)]", "ListComp is not allowed"),
    ("{'a': 1}['a']", "Subscript is not allowed"),
    ("{'a': 1}", "Dict is not allowed"),
    ("price(sku='x')", "plain arguments"),
    ("w ** 100", "an exponent must be a whole number from -64 to 64"),
    ("10 ** 10 ** 10", "an exponent must be a whole number"),
    ("w ** h", "an exponent must be a whole number"),
    ("nothing + 1", "unknown name 'nothing'"),
    ("'a' * 3", "text cannot be used with *"),
    ("price(3)", "price() takes a sku"),
    ("1e308", "out of range"),
    ("w if 'x' else h", "cannot be text"),
    ("w @ h", "the operator MatMult is not allowed"),
    ("w is h", "the comparison Is is not allowed"),
    ("(x := 1)", "NamedExpr is not allowed"),
    ("f'{w}'", "JoinedStr is not allowed"),
    ("w +", "syntax error"),
    ("-" * 60 + "w", "nested deeper than 40"),
])
def test_only_whitelisted_syntax_parses(expression, message):
    text = formulas(f'formula("total", {expression!r})')
    with pytest.raises(CalculatorError) as caught:
        parse_calculator(text)
    assert caught.value.code == "format"
    assert "formula 'total'" in caught.value.message
    assert message in caught.value.message, caught.value.message
    assert caught.value.line == 7


def test_the_formula_list_is_checked():
    for entries, message in (
            (['formula("area", "w * h")'], "the last formula is the price"),
            (['formula("total", "w")', 'formula("x", "1")'], "the last formula is the price"),
            (['formula("w", "1")', 'formula("total", "w")'], "already a parameter"),
            (['formula("total", "1", colour="red")'], "unknown option 'colour'"),
            (['formula("total", "\'text\'")'], "must be numbers"),
            (['formula("total", 3)'], "starts with the name and the expression text")):
        with pytest.raises(CalculatorError) as caught:
            parse_calculator(formulas(*entries))
        assert message in caught.value.message, caught.value.message
    with pytest.raises(CalculatorError) as caught:
        parse_calculator(formulas('formula("total", "1")') + "import os\n")
    assert "holds only its docstring, params and formulas" in caught.value.message


def test_runtime_errors_name_the_formula(pool):
    text = formulas('formula("gap", "w - 800")', 'formula("total", "h / gap")')
    with pytest.raises(CalculatorError) as caught:
        run(text, pool=pool)
    assert caught.value.code == "script_error"
    assert caught.value.message == "formula 'total': division by zero"
    assert caught.value.line == 8
    with pytest.raises(CalculatorError) as caught:
        run(formulas("formula(\"total\", \"price('nope')\")"), pool=pool)
    assert caught.value.code == "unknown_sku"


def test_a_blow_up_across_formulas_is_stopped_by_the_worker_limits(pool):
    chain = ['formula("a1", "(w + 1) ** 64")'] + [
        f'formula("a{i}", "a{i - 1} ** 64")' for i in range(2, 8)] + ['formula("total", "a7")']
    with pytest.raises(CalculatorError) as caught:
        run(formulas(*chain), pool=pool)
    assert caught.value.code in ("timeout", "memory_limit", "script_error")
    assert str(run(formulas('formula("total", "w / 100")'), pool=pool).total) == "8.00"


def test_the_catalog_is_the_only_way_in(pool):
    result = run(formulas("formula(\"total\", \"price('panel')\")"), pool=pool,
                 catalog={"panel": {"price": "1.23"}})
    assert result.total == Decimal("1.23")
    assert CATALOG.token != result.catalog  # the run recorded what it read
    assert result.catalog == {"panel": {"sku": "panel", "name": "panel", "unit": "pc",
                                        "kind": "", "price": "1.23", "attributes": {},
                                        "source": ""}}
