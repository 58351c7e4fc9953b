"""Order lines priced by a calculator run: the calculator page's "Add to order",
``ordercraft order line ORDER --calc-run RUN_ID`` and ``POST /api/v1/orders/{id}/lines``.

The run is made (or kept) before the writing transaction; the line stores the run's
calculator, script version, inputs, result lines, the catalog prices it read and its
id (``OrderLine.source``), so its price can be reproduced, as a proposal's calculator
line does. The run's total is the unit cost; the price is the one given, or that cost
plus ``markup`` percent, rounded half-up to the cent.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from ordercraft.plugins.sales.models import Order, OrderLine
from ordercraft.plugins.sales.orders import (
    CENT,
    HUNDRED,
    MAX_LINES,
    ZERO,
    LineInput,
    _checked_lines,
    _percent,
    create_order,
    get_order,
    refresh_totals,
)
from ordercraft.plugins.sales.totals import money_unit
from ordercraft.sdk import validation
from ordercraft.sdk.errors import Conflict, NotFound, ValidationError
from ordercraft.sdk.money import round_money
from ordercraft.sdk.permissions import require_session_permission

#: What of a run an order line keeps (``CalcResult.to_dict()``'s keys).
KEPT = ("calculator", "title", "version", "params", "total", "lines", "catalog", "run_id")


def calculated_line(run: Mapping[str, Any], *, item: Any, qty: Any = 1, price: Any = None,
                    markup: Any = None, discount: Any = None, tax_rate: Any = None,
                    description: Any = None, unit: Decimal = CENT) -> LineInput:
    """The order line ``run`` prices (``CalcResult.to_dict()``, or
    ``ordercraft.sdk.calc.stored_run``), selling ``item``; a price from the run's total
    and a markup is rounded to ``unit``, the sales currency's smallest amount."""
    try:
        cost = Decimal(str(run["total"]))
    except Exception:  # noqa: BLE001 - a result without a total is not a run
        raise ValidationError("run: the calculator's result has no total", field="run") from None
    if price in (None, ""):
        up = _percent(markup, "markup") if markup not in (None, "") else ZERO
        price = round_money(cost * (HUNDRED + up) / HUNDRED, unit)
    elif markup not in (None, ""):
        raise ValidationError(f"markup: give a price or a markup, not both (price {price!r})",
                              field="markup")
    return LineInput(item, qty if qty not in (None, "") else "1", price, discount, tax_rate,
                     description or None, {key: run.get(key) for key in KEPT})


def add_calculated_line(session: Session, order: Any, *, run: Mapping[str, Any],
                        client: Any = None, **line: Any) -> Order:
    """Add the line ``run`` prices (see :func:`calculated_line` for ``line``'s fields) to
    the draft ``order`` (id or number), or, without one, to a new draft order of
    ``client``. A confirmed order no longer changes: the refusal names its state."""
    require_session_permission(session, "order.write")
    try:
        return _add(session, order, run, client, line)
    except (ValidationError, NotFound) as exc:
        # The line is the only one entered: its fields are named without "lines.0.".
        if not (exc.field or "").startswith("lines.0."):
            raise
        field = exc.field[len("lines.0."):]
        message = exc.message.replace(f"{exc.field}:", f"{field}:", 1)
        raise type(exc)(message, field=field, code=exc.code) from None


def _add(session: Session, order: Any, run: Mapping[str, Any], client: Any,
         line: dict[str, Any]) -> Order:
    wanted = calculated_line(run, **line, unit=money_unit(session))
    if order in (None, ""):
        if client in (None, ""):
            raise ValidationError("client: choose an order, or the client of a new one",
                                  field="client")
        return create_order(session, client, lines=[wanted])
    found = get_order(session, order, for_update=True)
    if found.state != "draft":
        raise Conflict(f"order: {found.number} is {found.state.replace('_', ' ')}: only a "
                       "draft order takes new lines", field="order", code="not_draft")
    if len(found.lines) >= MAX_LINES:
        raise ValidationError(f"lines: order {found.number} holds {MAX_LINES} lines, the "
                              "most an order takes", field="lines")
    mistakes = validation.Mistakes()
    [built] = _checked_lines(session, [wanted], mistakes) or [None]
    mistakes.raise_any()
    assert isinstance(built, OrderLine)
    built.position = max((line.position for line in found.lines), default=0) + 1
    found.lines.append(built)
    refresh_totals(found, money_unit(session))
    session.flush()
    return found
