"""kpi's part of the demo: the workshop's four divisions with the demo users, and KPIs
for its sales managers (over the year of sales history sales seeds) and its production
engineer, so the cards, the ranking and the dashboard show something."""

from __future__ import annotations

from typing import Any

from ordercraft.sdk import demo

DIVISIONS = (
    ("sales", "Sales", "sales", ("manager", "admin"), ("admin",)),
    ("production", "Production", "production", ("engineer",), ("engineer",)),
    ("purchasing", "Purchasing", "purchasing", ("economist",), ("economist",)),
    ("warehouse", "Warehouse", "warehouse", ("storekeeper",), ("storekeeper",)),
)

#: code, label, division, formula, target, weight, direction, unit (CURRENCY: the site's
#: default currency)
CURRENCY = "{currency}"
KPIS = (
    ("revenue", "Revenue shipped", "sales", "revenue_shipped", "10000", "0.4", "higher",
     CURRENCY),
    ("orders", "Orders shipped", "sales", "orders_shipped", "4", "0.2", "higher", ""),
    ("margin_share", "Gross margin share", "sales",
     "gross_margin / max(revenue_shipped, 1) * 100", "30", "0.2", "higher", "%"),
    ("overdue", "Overdue tasks", "sales", "overdue_tasks", "3", "0.2", "lower", ""),
    ("production_on_time", "Production orders on time", "production", "production_on_time",
     "2", "1", "higher", ""),
)


def seed(session: Any) -> None:
    from ordercraft.sdk.settings import get_setting

    from .service import define, metric_names, save_division

    currency = str(get_setting(session, "default_currency"))
    users = demo.demo_users(session)
    known = set(metric_names(session))
    for code, name, kind, members, heads in DIVISIONS:
        present = [m for m in members if m in users or m == "admin"]
        save_division(session, code, name, kind, members=present,
                      heads=[h for h in heads if h in present])
    for code, label, division, formula, target, weight, direction, unit in KPIS:
        words = {word for word in formula.replace("(", " ").replace(")", " ").replace(
            ",", " ").split() if word.isidentifier() and word not in ("max", "min")}
        if words <= known:  # a metric's plugin (production, say) may not be enabled
            define(session, code, label=label, formula=formula, target=target,
                   weight=weight, direction=direction, division=division,
                   unit=currency if unit == CURRENCY else unit)
