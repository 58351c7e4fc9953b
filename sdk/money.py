"""Money in a currency's own smallest unit (ISO 4217: EUR 0.01, JPY 1, KWD 0.001)::

    from ordercraft.sdk.money import minor_unit, round_money

    unit = minor_unit(invoice.currency)                     # Decimal("0.01") for EUR
    net = round_money(qty * price, unit)                    # half up, to that unit

Store amounts exact (``sdk.models.Money`` keeps six decimals) and round where a document
fixes an amount (a line's net and tax), so its total is the sum of its rounded lines.
"""

from ordercraft.core.money import CENT, minor_unit, round_money

__all__ = ["CENT", "minor_unit", "round_money"]
