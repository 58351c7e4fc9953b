"""The product matrix: who sells each item at what price, from what quantity, how fast.

* An **offer** is one supplier's price of one item: the supplier's SKU and name for it,
  a price with its currency, price breaks by quantity, a minimum order quantity and a
  multiple, a lead time in days, a validity period and free characteristics (brand,
  grade). A new offer for the same item, supplier and supplier SKU starting on the same
  day supersedes the old one: the old row stays, with ``superseded_at`` set (the price
  history).
* The **best offer** for (item, quantity, date) is the cheapest valid unit price at the
  quantity actually ordered (the need raised to the minimum and rounded up to the
  multiple); ties go to the shorter lead time, then to the preferred offer, then to the
  supplier's name. Prices of different currencies are compared as numbers (a site buys
  in one currency; conversion is not modelled). Every choice is explained.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ordercraft.plugins.purchasing.declarations import CURRENCY_SETTING
from ordercraft.plugins.purchasing.models import PriceBreak, SupplierOffer
from ordercraft.plugins.purchasing.quantities import (
    exact,
    money,
    money_text,
    order_quantity,
    qty_text,
)
from ordercraft.sdk import items, parties, validation
from ordercraft.sdk.errors import NotFound, ValidationError
from ordercraft.sdk.models import Item, Party, utcnow
from ordercraft.sdk.permissions import require_session_permission
from ordercraft.sdk.queries import Page, paginate
from ordercraft.sdk.settings import get_setting

ZERO = Decimal(0)
#: The columns of a price list (CSV or XLSX); any other column is a characteristic.
PRICE_LIST_COLUMNS = ("sku", "supplier", "supplier_sku", "supplier_name", "price", "currency",
                      "min_qty", "multiple", "lead_time_days", "valid_from", "valid_to",
                      "preferred", "breaks")
REQUIRED_COLUMNS = ("sku", "price")


# --------------------------------------------------------------------------- input


@dataclass
class OfferInput:
    """An offer's values, checked (:func:`clean_offer`)."""

    item: Item
    supplier_id: int
    price: Decimal
    currency: str
    supplier_sku: str = ""
    supplier_name: str = ""
    min_qty: Decimal = ZERO
    multiple: Decimal | None = None
    lead_time_days: int = 0
    valid_from: date | None = None
    valid_to: date | None = None
    preferred: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)
    breaks: list[tuple[Decimal, Decimal]] = field(default_factory=list)


def _qty(value: Any, name: str, *, positive: bool = False) -> Decimal:
    number = validation.decimal(value, field=name, places=6, minimum=ZERO)
    if positive and number <= 0:
        raise validation.invalid(name, f"{value!r} must be more than 0")
    return number


def parse_breaks(value: Any, name: str = "breaks") -> list[tuple[Decimal, Decimal]]:
    """``"10:39.50;50:37"`` or ``[{"min_qty": 10, "price": "39.50"}, ...]`` -> pairs,
    by quantity."""
    if value in (None, ""):
        return []
    pairs: list[tuple[Any, Any]] = []
    if isinstance(value, str):
        for part in value.replace(",", ";").split(";"):
            if not part.strip():
                continue
            qty, sep, price = part.partition(":")
            if not sep:
                raise validation.invalid(name, f"{part.strip()!r} is not QTY:PRICE")
            pairs.append((qty.strip(), price.strip()))
    elif isinstance(value, Sequence):
        for entry in value:
            if not isinstance(entry, Mapping):
                raise validation.invalid(name, f"{entry!r} is not {{min_qty, price}}")
            pairs.append((entry.get("min_qty"), entry.get("price")))
    else:
        raise validation.invalid(name, f"{value!r} is not a list of price breaks")
    cleaned = sorted((_qty(q, f"{name}.min_qty", positive=True),
                      validation.decimal(p, field=f"{name}.price", places=6, minimum=ZERO))
                     for q, p in pairs)
    seen = [q for q, _ in cleaned]
    if len(set(seen)) != len(seen):
        raise validation.invalid(name, f"{value!r} names a quantity twice")
    return cleaned


def clean_offer(session: Session, values: Mapping[str, Any], *,
                supplier: Any = None) -> OfferInput:
    """Check an offer's values (from the CLI, the API, the matrix form or a price-list
    row); every mistake is reported at once, each naming the field and the value. An
    offer that names no currency is in the purchasing currency."""
    found = validation.Mistakes()
    sku = found.run(lambda: validation.text(values.get("sku", values.get("item")), field="sku",
                                            max_length=64, required=True))
    item = found.run(lambda: _known_item(session, sku)) if sku else None
    supplier_ref = values.get("supplier") or supplier
    party = found.run(lambda: _known_supplier(session, supplier_ref))
    price = found.run(lambda: validation.decimal(values.get("price"), field="price", places=6,
                                                 minimum=ZERO))
    currency = found.run(lambda: _currency(session, values.get("currency")))
    multiple_raw = values.get("multiple")
    multiple = (None if multiple_raw in (None, "")
                else found.run(lambda: _qty(multiple_raw, "multiple", positive=True)))
    lead = found.run(lambda: validation.whole_number(values.get("lead_time_days") or 0,
                                                     field="lead_time_days", minimum=0,
                                                     maximum=3650))
    valid_from = found.run(lambda: validation.day(values.get("valid_from"), field="valid_from"))
    valid_to = found.run(lambda: validation.day(values.get("valid_to"), field="valid_to"))
    if valid_from and valid_to and valid_to < valid_from:
        found.add(validation.invalid("valid_to", f"{valid_to.isoformat()} is before "
                                                 f"valid_from {valid_from.isoformat()}"))
    attributes = values.get("attributes") or {}
    if not isinstance(attributes, Mapping):
        found.add(validation.invalid("attributes", f"{attributes!r} is not a mapping"))
    supplier_sku = found.run(lambda: validation.text(values.get("supplier_sku"),
                                                     field="supplier_sku", max_length=64))
    supplier_name = found.run(lambda: validation.text(values.get("supplier_name"),
                                                      field="supplier_name", max_length=200))
    min_qty = found.run(lambda: _qty(values.get("min_qty") or 0, "min_qty"))
    preferred = found.run(lambda: validation.flag(values.get("preferred") or False,
                                                  field="preferred"))
    breaks = found.run(lambda: parse_breaks(values.get("breaks")))
    found.raise_any()
    assert item is not None and party is not None and price is not None and currency
    return OfferInput(
        item=item, supplier_id=party.id, price=price, currency=currency,
        supplier_sku=supplier_sku or "", supplier_name=supplier_name or "",
        min_qty=min_qty if min_qty is not None else ZERO, multiple=multiple,
        lead_time_days=lead or 0, valid_from=valid_from, valid_to=valid_to,
        preferred=bool(preferred), attributes={str(k): v for k, v in attributes.items()},
        breaks=breaks or [])


def _known_item(session: Session, sku: str) -> Item:
    try:
        return items.get_item(session, sku)
    except NotFound:
        raise validation.invalid("sku", f"{sku!r} is not a known item") from None


def _known_supplier(session: Session, ref: Any) -> Party:
    if ref in (None, ""):
        raise validation.invalid("supplier", "name the supplier")
    try:
        return parties.get_party(session, ref)
    except NotFound:
        raise validation.invalid("supplier", f"{ref!r} is not a known party") from None


def _currency(session: Session, value: Any) -> str:
    """``value`` as a currency code; empty: the purchasing currency setting."""
    if value in (None, ""):
        return str(get_setting(session, CURRENCY_SETTING))
    code = validation.text(value, field="currency", max_length=3).upper()
    if len(code) != 3 or not code.isalpha():
        raise validation.invalid("currency", f"{value!r} is not a 3-letter currency code")
    return code


#: The matrix form's inputs, with the attributes of the checks above.
OFFER_FORM_RULES = {
    "price": validation.FieldRule("decimal", places=6, minimum=0, required=True),
    "currency": validation.FieldRule(max_length=3),
    "supplier_sku": validation.FieldRule(max_length=64),
    "min_qty": validation.FieldRule("decimal", places=6, minimum=0),
    "lead_time_days": validation.FieldRule("whole", minimum=0, maximum=3650),
}


# --------------------------------------------------------------------------- writing


def save_offer(session: Session, offer: OfferInput) -> SupplierOffer:
    """Store a checked offer, superseding the live one it replaces."""
    now = utcnow()
    replaced = session.scalars(select(SupplierOffer).where(
        SupplierOffer.item_id == offer.item.id, SupplierOffer.supplier_id == offer.supplier_id,
        SupplierOffer.supplier_sku == offer.supplier_sku,
        SupplierOffer.valid_from.is_(None) if offer.valid_from is None
        else SupplierOffer.valid_from == offer.valid_from,
        SupplierOffer.superseded_at.is_(None)))
    for old in replaced:
        old.superseded_at = now
    row = SupplierOffer(
        item_id=offer.item.id, supplier_id=offer.supplier_id, supplier_sku=offer.supplier_sku,
        supplier_item_name=offer.supplier_name, price=offer.price, currency=offer.currency,
        min_qty=offer.min_qty, multiple=offer.multiple, lead_time_days=offer.lead_time_days,
        valid_from=offer.valid_from, valid_to=offer.valid_to, preferred=offer.preferred,
        attributes=offer.attributes,
        breaks=[PriceBreak(min_qty=q, price=p) for q, p in offer.breaks])
    session.add(row)
    session.flush()
    return row


def add_offer(session: Session, values: Mapping[str, Any]) -> SupplierOffer:
    """``matrix add``: one offer."""
    require_session_permission(session, "purchasing.write")
    return save_offer(session, clean_offer(session, values))


def read_price_list(content: bytes, filename: str) -> list[dict[str, Any]]:
    """The rows of a CSV or XLSX price list as dicts by (lower-case) column name."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)] if sheet else []
        if not rows:
            return []
        header = [str(cell or "").strip().lower() for cell in rows[0]]
        return [{name: ("" if cell is None else cell) for name, cell in zip(header, row)
                 if name} for row in rows[1:] if any(cell not in (None, "") for cell in row)]
    text = content.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    return [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            for row in reader if any((v or "").strip() for v in row.values())]


def import_offers(session: Session, rows: list[dict[str, Any]], *,
                  supplier: Any = None) -> list[SupplierOffer]:
    """All or nothing: every row is checked first; any bad row refuses the import with
    every bad row listed (``row N: field: message``). Columns other than
    :data:`PRICE_LIST_COLUMNS` are characteristics."""
    require_session_permission(session, "purchasing.write")
    if rows:
        missing = [c for c in REQUIRED_COLUMNS if c not in rows[0]]
        if supplier in (None, "") and "supplier" not in rows[0]:
            missing.append("supplier")
        if missing:
            raise validation.invalid("columns", f"the price list lacks {', '.join(missing)}")
    checked: list[OfferInput] = []
    problems: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        values = {k: v for k, v in row.items() if k in PRICE_LIST_COLUMNS}
        values["attributes"] = {k: v for k, v in row.items()
                                if k not in PRICE_LIST_COLUMNS and v not in (None, "")}
        try:
            checked.append(clean_offer(session, values, supplier=supplier))
        except ValidationError as error:
            problems.append({"row": number, "field": error.field, "message": str(error)})
    if problems:
        raise ValidationError(
            f"{len(problems)} bad row(s), nothing imported: "
            + "; ".join(f"row {p['row']}: {p['message']}" for p in problems),
            field=f"row {problems[0]['row']}.{problems[0]['field']}", code="bad_price_list",
            details={"rows": problems})
    return [save_offer(session, offer) for offer in checked]


# --------------------------------------------------------------------------- reading


def list_offers(session: Session, *, item: Any = None, supplier: Any = None,
                history: bool = False, limit: Any = None, offset: Any = None
                ) -> Page[SupplierOffer]:
    """Offers by item SKU, supplier and validity; ``history`` adds superseded ones."""
    require_session_permission(session, "purchasing.read")
    query = select(SupplierOffer).join(Item, Item.id == SupplierOffer.item_id)
    if item not in (None, ""):
        query = query.where(SupplierOffer.item_id == items.get_item(session, item).id)
    if supplier not in (None, ""):
        query = query.where(SupplierOffer.supplier_id == parties.get_party(session, supplier).id)
    if not history:
        query = query.where(SupplierOffer.superseded_at.is_(None))
    query = query.order_by(Item.sku, SupplierOffer.supplier_id, SupplierOffer.valid_from,
                           SupplierOffer.id)
    return paginate(session, query, limit, offset)


def price_history(session: Session, item: Any, *, supplier: Any = None
                  ) -> list[dict[str, Any]]:
    """Every price the item was offered at (``supplier``: by that supplier), superseded
    ones included, per supplier oldest first: each offer's dict (:func:`offer_dict`)
    with ``recorded_at`` (when it was entered), ``live`` and ``change`` (the price
    against the supplier's previous one, e.g. ``"+2.30"``; ``None`` for the first)."""
    require_session_permission(session, "purchasing.read")
    found = items.get_item(session, item)
    query = (select(SupplierOffer).where(SupplierOffer.item_id == found.id)
             .join(Party, Party.id == SupplierOffer.supplier_id)
             .order_by(Party.name, SupplierOffer.supplier_sku, SupplierOffer.created_at,
                       SupplierOffer.id))
    if supplier not in (None, ""):
        query = query.where(SupplierOffer.supplier_id == parties.get_party(session, supplier).id)
    rows: list[dict[str, Any]] = []
    previous: dict[tuple[int, str], Decimal] = {}
    for offer in session.scalars(query):
        key = (offer.supplier_id, offer.supplier_sku)
        before = previous.get(key)
        change = None if before is None else offer.price - before
        rows.append({**offer_dict(offer), "recorded_at": offer.created_at,
                     "live": offer.superseded_at is None,
                     "change": None if change is None
                     else ("+" if change > 0 else "") + format(money(change), "f")})
        previous[key] = offer.price
    return rows


def get_offer(session: Session, offer_id: int) -> SupplierOffer:
    require_session_permission(session, "purchasing.read")
    offer = session.get(SupplierOffer, offer_id)
    if offer is None:
        raise NotFound(f"offer {offer_id} does not exist", field="offer")
    return offer


def offer_dict(offer: SupplierOffer) -> dict[str, Any]:
    return {"id": offer.id, "item": offer.item.sku, "item_name": offer.item.name,
            "supplier": offer.supplier.name, "supplier_id": offer.supplier_id,
            "supplier_sku": offer.supplier_sku, "supplier_name": offer.supplier_item_name,
            "price": money(offer.price), "currency": offer.currency,
            "min_qty": exact(offer.min_qty),
            "multiple": None if offer.multiple is None else exact(offer.multiple),
            "lead_time_days": offer.lead_time_days,
            "valid_from": offer.valid_from, "valid_to": offer.valid_to,
            "preferred": offer.preferred, "attributes": dict(offer.attributes or {}),
            "breaks": [{"min_qty": exact(b.min_qty), "price": money(b.price)}
                       for b in offer.breaks],
            "superseded_at": offer.superseded_at}


def export_rows(offers: Iterable[SupplierOffer]) -> list[dict[str, Any]]:
    """Offers as price-list rows (the import's columns; characteristics after them)."""
    rows = []
    for offer in offers:
        row: dict[str, Any] = {
            "sku": offer.item.sku, "supplier": offer.supplier.name,
            "supplier_sku": offer.supplier_sku, "supplier_name": offer.supplier_item_name,
            "price": qty_text(offer.price), "currency": offer.currency,
            "min_qty": qty_text(offer.min_qty),
            "multiple": "" if offer.multiple is None else qty_text(offer.multiple),
            "lead_time_days": offer.lead_time_days,
            "valid_from": offer.valid_from.isoformat() if offer.valid_from else "",
            "valid_to": offer.valid_to.isoformat() if offer.valid_to else "",
            "preferred": "yes" if offer.preferred else "no",
            "breaks": ";".join(f"{qty_text(b.min_qty)}:{qty_text(b.price)}"
                               for b in offer.breaks)}
        row.update({k: v for k, v in (offer.attributes or {}).items()})
        rows.append(row)
    return rows


def write_csv(rows: list[dict[str, Any]]) -> str:
    columns = list(PRICE_LIST_COLUMNS)
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


# --------------------------------------------------------------------------- best offer


@dataclass(frozen=True)
class OfferChoice:
    """The best valid offer for a need: what ``purchasing.supply.best_offer`` returns."""

    item_id: int
    item: str
    offer_id: int
    supplier_id: int
    supplier: str
    price: Decimal
    currency: str
    lead_time_days: int
    min_qty: Decimal
    multiple: Decimal | None
    order_qty: Decimal
    valid_to: date | None
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "offer": self.offer_id, "supplier": self.supplier,
                "supplier_id": self.supplier_id, "price": self.price,
                "currency": self.currency, "lead_time_days": self.lead_time_days,
                "min_qty": self.min_qty, "multiple": self.multiple,
                "order_qty": self.order_qty, "valid_to": self.valid_to,
                "explanation": self.explanation}


def unit_price(offer: Any, qty: Decimal) -> Decimal:
    """The price at ``qty``: the break with the largest quantity not above it, else the
    base price."""
    price = offer.price
    for step in offer.breaks:  # ordered by quantity
        if step.min_qty <= qty:
            price = step.price
    return price


def _validity(offer: Any, on: date) -> str | None:
    if offer.valid_from is not None and offer.valid_from > on:
        return f"not valid before {offer.valid_from.isoformat()}"
    if offer.valid_to is not None and offer.valid_to < on:
        return f"expired {offer.valid_to.isoformat()}"
    return None


def choose(offers: Sequence[Any], qty: Decimal, on: date) -> OfferChoice | None:
    """The best of one item's live offers for ``qty`` on ``on``, explained."""
    valid: list[tuple[tuple[Any, ...], Any, Decimal, Decimal]] = []
    invalid: list[tuple[Any, Decimal, str]] = []
    for offer in offers:
        ordered = order_quantity(qty, offer.min_qty, offer.multiple)
        price = unit_price(offer, ordered)
        why_not = _validity(offer, on)
        if why_not:
            invalid.append((offer, price, why_not))
        else:
            valid.append(((price, offer.lead_time_days, not offer.preferred,
                           offer.supplier.name, offer.id), offer, price, ordered))
    if not valid:
        return None
    valid.sort(key=lambda entry: entry[0])
    _, best, price, ordered = valid[0]
    until = f" valid to {best.valid_to.isoformat()}" if best.valid_to else ""
    notes = [f"chosen: {best.supplier.name} {money_text(price)} {best.currency}{until}"]
    for offer, other_price, why_not in invalid:
        if other_price < price:
            notes.append(f"{offer.supplier.name} is cheaper ({money_text(other_price)}) but "
                         f"{why_not}")
    for key, offer, other_price, _ in valid[1:]:
        if other_price == price and key[1] != best.lead_time_days:
            notes.append(f"{offer.supplier.name} has the same price but a lead time of "
                         f"{offer.lead_time_days} days")
        elif other_price == price:
            notes.append(f"{offer.supplier.name} has the same price and lead time"
                         + ("; the chosen offer is preferred" if best.preferred
                            and not offer.preferred else ""))
    if ordered != qty:
        notes.append(f"ordering {qty_text(ordered)} for {qty_text(qty)} "
                     f"(minimum {qty_text(best.min_qty)}"
                     + (f", multiple {qty_text(best.multiple)}" if best.multiple else "") + ")")
    return OfferChoice(best.item_id, best.item.sku, best.id, best.supplier_id,
                       best.supplier.name, money(price), best.currency,
                       best.lead_time_days, exact(best.min_qty),
                       None if best.multiple is None else exact(best.multiple),
                       exact(ordered), best.valid_to, "; ".join(notes))


@dataclass
class _Breaks:
    min_qty: Decimal
    price: Decimal


@dataclass
class _Named:
    sku: str = ""
    name: str = ""


@dataclass
class _Offer:
    """What :func:`choose` reads of an offer (an ORM row has the same attributes)."""

    id: int
    item_id: int
    supplier_id: int
    price: Decimal
    currency: str
    min_qty: Decimal
    multiple: Decimal | None
    lead_time_days: int
    valid_from: date | None
    valid_to: date | None
    preferred: bool
    item: _Named
    supplier: _Named
    breaks: list[_Breaks] = field(default_factory=list)


def best_offers(session: Session, needs: Mapping[int, Decimal], on: date | None = None
                ) -> dict[int, OfferChoice | None]:
    """The best offer of each item id in ``needs`` (item id -> quantity) on ``on``
    (default today): two plain queries per thousand items (offers, their breaks), no ORM
    objects, so a thousand items take milliseconds."""
    from ordercraft.sdk.models import Party

    on = on or date.today()
    by_item: dict[int, list[_Offer]] = {item_id: [] for item_id in needs}
    ids = list(needs)
    o = SupplierOffer
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        offers: dict[int, _Offer] = {}
        for row in session.execute(
                select(o.id, o.item_id, o.supplier_id, o.price, o.currency, o.min_qty,
                       o.multiple, o.lead_time_days, o.valid_from, o.valid_to, o.preferred,
                       Item.sku, Party.name)
                .join(Item, Item.id == o.item_id).join(Party, Party.id == o.supplier_id)
                .where(o.item_id.in_(chunk), o.superseded_at.is_(None))):
            offer = _Offer(*row[:11], item=_Named(sku=row[11]), supplier=_Named(name=row[12]))
            offers[offer.id] = offer
            by_item[offer.item_id].append(offer)
        if offers:
            for offer_id, min_qty, price in session.execute(
                    select(PriceBreak.offer_id, PriceBreak.min_qty, PriceBreak.price)
                    .where(PriceBreak.offer_id.in_(list(offers)))
                    .order_by(PriceBreak.offer_id, PriceBreak.min_qty)):
                offers[offer_id].breaks.append(_Breaks(min_qty, price))
    return {item_id: choose(by_item[item_id], needs[item_id], on) for item_id in ids}


def best_offer(session: Session, item: Any, qty: Any, on: Any = None) -> OfferChoice:
    """``matrix best SKU --qty N --date D``: refuses an item without a valid offer."""
    require_session_permission(session, "purchasing.read")
    found = items.get_item(session, item)
    need = _qty(qty, "qty", positive=True)
    day = validation.day(on, field="date") or date.today()
    choice = best_offers(session, {found.id: need}, day)[found.id]
    if choice is None:
        count = session.scalar(select(func.count()).select_from(SupplierOffer).where(
            SupplierOffer.item_id == found.id, SupplierOffer.superseded_at.is_(None))) or 0
        raise NotFound(f"item {found.sku!r} has no offer valid on {day.isoformat()} "
                       f"({count} offer(s) in the matrix)", field="sku")
    return choice
