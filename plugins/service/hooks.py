"""service's part in other pages and plugins: the service ``serials`` (for a shipment
to record its units), serial numbers of produced units (production's hook
``production_order_done``) and the client card's section (core hook ``page_sections``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from ordercraft.plugins.service import complaints


class SerialsService:
    """``plugin_service(session, "service", "serials")``: serial numbers for other
    plugins (a shipment records which units went to the client)."""

    def ship(self, session: Session, client: Any, numbers: Sequence[str], *,
             order_id: int | None = None, shipment: str = "",
             ship_date: date | None = None) -> list[dict[str, Any]]:
        """Record the units of a shipment; a unit shipped before is refused
        (:class:`~ordercraft.sdk.errors.Conflict`, nothing recorded)."""
        units = complaints.ship_serials(session, client, numbers, order_id=order_id,
                                        shipment=shipment, ship_date=ship_date)
        return [complaints.serial_dict(session, unit) for unit in units]

    def of_client(self, session: Session, party_id: int) -> list[dict[str, Any]]:
        """The units a client owns, newest shipment first."""
        return [complaints.serial_dict(session, unit)
                for unit in complaints.serials_of_client(session, party_id)]


SERIALS = SerialsService()


def serials_of_shipment(session: Session, order: Any, shipment: Any,
                        serials: dict[int, list[str]]) -> None:
    """sales' hook ``shipment_serials``: every serial-tracked line of the shipment names
    as many units as it ships, each of the line's item, in stock (registered, not
    shipped before); they are recorded as the client's, with the warranty from the
    shipment's date. Anything else refuses the shipment, naming ``serials.N``."""
    from sqlalchemy import select

    from ordercraft.plugins.service.models import Serial
    from ordercraft.sdk.errors import ValidationError

    shipped = {line.order_line.position: line for line in shipment.lines}
    for position in serials:
        if position not in shipped:
            raise ValidationError(f"serials.{position}: line {position} is not in this "
                                  "shipment", field=f"serials.{position}")
    numbers: list[str] = []
    for position, line in sorted(shipped.items()):
        item_id = line.order_line.item_id
        given = serials.get(position, [])
        field = f"serials.{position}"
        if complaints.tracked_setting(session, item_id) is None:
            if given:
                raise ValidationError(f"{field}: line {position} "
                                      f"({line.order_line.item.sku!r}) is not serial-tracked",
                                      field=field)
            continue
        qty = line.qty
        if qty != int(qty) or len(given) != int(qty):
            raise ValidationError(
                f"{field}: line {position} ({line.order_line.item.sku!r}) is serial-tracked: "
                f"give the serial numbers of the {qty.normalize():f} units shipped "
                f"({len(given)} given)", field=field)
        for number in given:
            unit = session.scalar(select(Serial).where(Serial.number == number))
            if unit is None or unit.item_id != item_id:
                raise ValidationError(
                    f"{field}: {number!r} is not a registered unit of "
                    f"{line.order_line.item.sku!r}", field=field)
            if number in numbers:
                raise ValidationError(f"{field}: {number!r} is given twice", field=field)
            numbers.append(number)
    if numbers:
        complaints.ship_serials(session, order.party_id, numbers, order_id=order.id,
                                shipment=shipment.number, ship_date=shipment.ship_date,
                                check_permission=False)


def serials_for_production(session: Session, order: Any) -> None:
    """A production order of a serial-tracked item done: one serial number per unit made
    (``<order number>-<n>``)."""
    setting = complaints.tracked_setting(session, order.item_id)
    if setting is None:
        return
    from ordercraft.plugins.service.models import Serial
    from ordercraft.sdk.models import utcnow

    units = int(order.qty_done or order.qty)
    session.add_all(Serial(number=f"{order.number}-{n:03d}", item_id=order.item_id,
                           origin="produced", origin_ref=order.number,
                           made_on=utcnow().date()) for n in range(1, units + 1))
    session.flush()


def client_sections(session: Session, user: Any, page: str, obj: Any) -> list[Any] | None:
    """The client card: the units the client owns (warranty end) and a search of the
    knowledge base."""
    if page != "client":
        return None
    from flask import render_template

    from ordercraft.sdk.permissions import has_permission
    from ordercraft.sdk.plugins import PageSection
    from ordercraft.sdk.web import user_today

    party_id = getattr(obj, "party_id", None) or obj.id
    sections = []
    if has_permission(user, "serial.read"):
        units = SERIALS.of_client(session, party_id)
        sections.append(PageSection(
            "Units and warranty", Markup(render_template("service/_units.html", units=units,
                                                        today=user_today())),
            order=60, name="service-units"))
    if has_permission(user, "article.read"):
        sections.append(PageSection(
            "Knowledge base", Markup(render_template("service/_kb_search.html")),
            order=61, name="service-kb"))
    return sections
