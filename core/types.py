"""Exact decimal columns on every database.

SQLite has no decimal type: SQLAlchemy's ``Numeric`` there goes through a float,
so 0.1 + 0.2 can drift. ``ExactDecimal`` stores a scaled integer on SQLite (so
``SUM`` and comparisons stay exact inside the database) and ``NUMERIC(p, s)`` on
PostgreSQL. Python always sees ``decimal.Decimal``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import BigInteger, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

QTY_SCALE = 6
MONEY_SCALE = 6


def to_decimal(value: Any, *, field: str = "value") -> Decimal:
    """Convert user input (str, int, Decimal) to Decimal; floats are refused."""
    from ordercraft.core.errors import ValidationError

    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValidationError(f"{field}: {value!r} is not a number", field=field)
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValidationError(f"{field}: {value!r} is not a number", field=field) from None
    elif isinstance(value, float):
        raise ValidationError(f"{field}: floats are not accepted, pass {value!r} as a string", field=field)
    else:
        raise ValidationError(f"{field}: {value!r} is not a number", field=field)
    if not result.is_finite():
        raise ValidationError(f"{field}: {value!r} is not a finite number", field=field)
    return result


class ExactDecimal(TypeDecorator[Decimal]):
    """``Decimal`` with a fixed scale, exact on SQLite and PostgreSQL."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 18, scale: int = 6) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)
        self._factor = 10**scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def _quantize(self, value: Any) -> Decimal:
        if not isinstance(value, Decimal):
            value = to_decimal(value)
        return value.quantize(self._quantum, rounding=ROUND_HALF_EVEN)

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        quantized = self._quantize(value)
        if dialect.name == "sqlite":
            return int(quantized.scaleb(self.scale))
        return quantized

    def process_literal_param(self, value: Any, dialect: Dialect) -> str:
        bound = self.process_bind_param(value, dialect)
        return "NULL" if bound is None else str(bound)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            # SUM() over integers stays an integer; AVG() or mixed expressions may not.
            if isinstance(value, float):
                value = Decimal(repr(value)).scaleb(-self.scale)
            else:
                value = Decimal(int(value)).scaleb(-self.scale)
            return value.quantize(self._quantum)
        return Decimal(value).quantize(self._quantum)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


def Qty() -> ExactDecimal:  # noqa: N802 - reads as a column type
    return ExactDecimal(18, QTY_SCALE)


def Money() -> ExactDecimal:  # noqa: N802
    return ExactDecimal(18, MONEY_SCALE)
