"""The safe expression language of conditions: what it computes, what it refuses."""

from datetime import date
from decimal import Decimal

import pytest

from ordercraft.core.workflow.expressions import ExpressionError, compile_expression

ORDER = {"total": Decimal("1250.50"), "custom_count": 4, "client_tag": "school",
         "paid": False, "note": None, "shipped_on": date(2024, 3, 5), "ratio": 0.1}


@pytest.mark.parametrize("source, expected", [
    ("total > 1000", True),
    ("total > 1000 and custom_count >= 5", False),
    ("total > 1000 or custom_count >= 5", True),
    ("not paid", True),
    ("client_tag in ['school', 'dealer']", True),
    ("client_tag not in ('school',)", False),
    ("'sch' in client_tag", True),
    ("custom_count * 2 + 1 == 9", True),
    ("total - 0.50 == 1250", True),
    ("ratio + 0.2 == 0.3", True),  # exact: floats become Decimal
    ("0.1 + 0.2 == 0.3", True),
    ("custom_count / 3 > 1.3", True),
    ("custom_count // 3 == 1 and custom_count % 3 == 1", True),
    ("-custom_count < 0", True),
    ("1 < custom_count < 10", True),
    ("note == null", True),
    ("note != None and note > 1", False),
    ("note > 1", False),  # an empty field compares as neither bigger nor smaller
    ("paid == false", True),
    ("custom_count in [1, 2, 4]", True),
    ("shipped_on == shipped_on", True),
])
def test_expressions_compute(source, expected):
    expression = compile_expression(source, fields=ORDER)
    assert expression.test(ORDER) is expected


def test_arithmetic_is_decimal():
    value = compile_expression("total * 3").evaluate(ORDER)
    assert value == Decimal("3751.50") and isinstance(value, Decimal)


def test_names_read_are_known():
    assert compile_expression("total > 0 and client_tag == 'x' and true").names == {
        "total", "client_tag"}


@pytest.mark.parametrize("source, fragment", [
    ("__import__('os').system('true')", "a function call"),
    ("total.__class__", "an attribute"),
    ("[].__class__.__mro__", "an attribute"),
    ("custom_count ** 999999", "'**'"),
    ("(lambda: 1)()", "a function call"),
    ("[x for x in [1]]", "a comprehension"),
    ("client_tag[0]", "a subscript"),
    ("1 if paid else 2", "an 'if ... else'"),
    ("paid is None", "'is'"),
    ("custom_count & 1", "bitwise"),
    ("{'a': 1}", "a dictionary"),
    ("(x := 1)", "an assignment"),
    ("f'{total}'", "an f-string"),
    ("b'bytes' == total", "literal b'bytes'"),
])
def test_forbidden_constructs_are_refused(source, fragment):
    with pytest.raises(ExpressionError) as error:
        compile_expression(source)
    assert fragment in error.value.message
    assert error.value.code == "bad_expression"


def test_syntax_errors_say_where():
    with pytest.raises(ExpressionError, match=r"condition 'total > > 1' is not a valid "
                                              r"expression: invalid syntax at column 9"):
        compile_expression("total > > 1")


def test_unknown_fields_are_named_with_the_known_ones():
    with pytest.raises(ExpressionError) as error:
        compile_expression("totl > 5", fields=["total", "custom_count"])
    assert error.value.message == (
        "condition 'totl > 5' reads unknown field 'totl' (fields: custom_count, total)")


@pytest.mark.parametrize("source, message", [
    ("client_tag + 1 > 0", "'+' needs two numbers, not a text and a number"),
    ("client_tag > 5", "cannot compare a text with a number using '>'"),
    ("custom_count / 0 > 1", "'/' by zero"),
    ("custom_count in 5", "'in' needs a list or a text on the right, not a number"),
    ("-client_tag", "unary minus or plus needs a number, not a text"),
])
def test_runtime_errors_name_the_expression(source, message):
    with pytest.raises(ExpressionError) as error:
        compile_expression(source).evaluate(ORDER)
    assert error.value.message == f"condition {source!r}: {message}"


def test_unknown_field_at_evaluation():
    with pytest.raises(ExpressionError, match="unknown field 'missing'"):
        compile_expression("missing > 1").evaluate(ORDER)


def test_limits():
    with pytest.raises(ExpressionError, match="at most 1000 are allowed"):
        compile_expression("1 + " * 300 + "1")
    with pytest.raises(ExpressionError, match="too complex"):
        compile_expression("+".join(["a"] * 120))
    with pytest.raises(ExpressionError, match="not an expression"):
        compile_expression("   ")
