"""The live configurator's server side: check and price a configuration without saving
anything (the browser posts the chosen options on every change and gets the prices,
the margin and the broken rules back; the same answer serves ``proposal configure
--check`` and ``POST /api/v1/proposal-templates/{code}/preview``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ordercraft.plugins.proposals import configurator
from ordercraft.plugins.proposals.pricing import add_up, line_amounts, margin_pct
from ordercraft.sdk.money import minor_unit
from ordercraft.sdk.settings import get_setting


def preview(session: Session, template: Any, options: Any, *, qty: Any = 1,
            discount: Any = None, tax_rate: Any = None) -> dict[str, Any]:
    """``{"ok", "problems": [{"field", "rule", "message"}], "lines": [...], "net", "tax",
    "total", "cost", "margin", "margin_pct"}`` for the configuration."""
    from ordercraft.plugins.proposals.proposals import (
        CURRENCY_SETTING,
        _percent,
        _qty,
        _tax,
        _unit_costs,
        get_template,
        money,
    )
    from ordercraft.sdk.models import Item

    found = get_template(session, template)
    checked = configurator.configure(found.definition, configurator.parse_selection(
        options or []))
    body: dict[str, Any] = {"ok": checked.ok, "template": found.code,
                            "problems": [p.as_dict() for p in checked.problems], "lines": []}
    zero = money(Decimal(0))
    if not checked.ok:
        body.update({"net": zero, "tax": zero, "total": zero, "cost": zero, "margin": zero,
                     "margin_pct": None})
        return body
    units = _qty(qty, "qty")
    off = _percent(discount, "discount")
    rate = _tax(session, tax_rate, "tax_rate")
    skus = sorted({line.item for line in checked.lines})
    items = {i.sku: i for i in session.scalars(select(Item).where(Item.sku.in_(skus)))}
    costs = _unit_costs(session, [i.id for i in items.values()])
    # a new proposal's currency: the preview prices as the proposal will be
    unit = minor_unit(str(get_setting(session, CURRENCY_SETTING)))
    priced = []
    for line in checked.lines:
        item = items[line.item]
        price = line.price if line.price is not None else item.price
        amounts = line_amounts(line.qty * units, price, off, rate, costs.get(item.id, Decimal(0)),
                               unit)
        priced.append(amounts)
        body["lines"].append({"item": item.sku, "description": line.label or item.name,
                              "qty": line.qty * units, "price": money(price),
                              "net": money(amounts.net), "cost": money(amounts.cost),
                              "characteristics": line.characteristics})
    sums = add_up(priced)
    body.update({"net": money(sums.net), "tax": money(sums.tax), "total": money(sums.total),
                 "cost": money(sums.cost), "margin": money(sums.margin),
                 "margin_pct": margin_pct(sums.net, sums.cost)})
    return body
