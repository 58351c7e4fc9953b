"""Money's smallest unit per currency: amounts are rounded to it, half up.

ISO 4217 gives each currency its minor unit (EUR and USD 0.01, JPY and KRW 1, KWD and
BHD 0.001); Babel's copy of CLDR knows them. Amounts are stored exact (six decimals), so
a site in any currency keeps what its documents computed."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

#: The unit of a currency Babel does not know (and of amounts that name none).
CENT = Decimal("0.01")
_CURRENCY = re.compile(r"[A-Z]{3}")


def currency_code(value: Any) -> str:
    """An ISO 4217 code as written anywhere (``"eur"`` -> ``"EUR"``); empty when it is
    not three letters."""
    text = str(value or "").strip().upper()
    return text if _CURRENCY.fullmatch(text) else ""


@lru_cache(maxsize=256)
def minor_unit(currency: str) -> Decimal:
    """The currency's smallest amount: ``Decimal("0.01")`` for EUR, ``Decimal("1")`` for
    JPY, ``Decimal("0.001")`` for KWD."""
    from babel.numbers import get_currency_precision

    code = currency_code(currency)
    if not code:
        return CENT
    return Decimal(1).scaleb(-int(get_currency_precision(code)))


def round_money(value: Decimal, unit: Decimal = CENT) -> Decimal:
    """``value`` to the nearest ``unit`` (a currency's :func:`minor_unit`), half up:
    2.345 EUR -> 2.35, 1234.5 JPY -> 1235."""
    return value.quantize(unit, rounding=ROUND_HALF_UP)
