"""Orders: entering, changing (while draft), reading and listing them.

The order's state changes only through the workflow (:mod:`.machine`): confirming,
reserving, shipping, invoicing, cancelling are transitions; :mod:`.fulfilment` does
their stock work.

Permissions (declared in :mod:`.declarations`): ``order.read`` to read, ``order.write``
to enter and change orders, ``order.confirm`` to confirm them, ``order.ship`` to ship.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select, union
from sqlalchemy.orm import Session, selectinload

from ordercraft.plugins.sales.declarations import (
    NUMBER_PREFIX_SETTING,
    TAX_RATE_SETTING,
    WAREHOUSE_SETTING,
)
from ordercraft.plugins.sales.models import Counter, Order, OrderLine
from ordercraft.plugins.sales.totals import line_amounts, money_unit, order_totals
from ordercraft.sdk import custom_fields as custom
from ordercraft.sdk import validation
from ordercraft.sdk.errors import Conflict, NotFound, ValidationError
from ordercraft.sdk.models import Item, LegalEntity, Party, SiteSetting, User, Warehouse
from ordercraft.sdk.permissions import (
    owner_condition,
    require_record,
    require_session_permission,
)
from ordercraft.sdk.plugins import plugin_service
from ordercraft.sdk.queries import Page, contains_pattern, fold, fold_text, page_bounds
from ordercraft.sdk.settings import get_setting

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
STATES = ("draft", "confirmed", "in_production", "reserved", "partially_shipped", "shipped",
          "invoiced", "paid", "closed", "cancelled")
MAX_LINES = 500
#: Control characters: no order number or SKU holds one (PostgreSQL refuses NUL in text).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: Ids are INTEGER columns (32 bits on PostgreSQL): a larger number names nothing.
MAX_ID = 2**31 - 1


# --------------------------------------------------------------------------- input


@dataclass(frozen=True)
class LineInput:
    """One line as entered: the item (SKU or id) and the raw figures (``None`` = default)."""

    item: Any
    qty: Any
    price: Any = None
    discount: Any = None
    tax_rate: Any = None
    description: str | None = None
    #: The calculator run that priced the line (``OrderLine.source``), or ``None``.
    source: Mapping[str, Any] | None = None

    @classmethod
    def of(cls, value: Any, index: int) -> LineInput:
        if isinstance(value, LineInput):
            return value
        if isinstance(value, Mapping):
            known = {"item", "qty", "price", "discount", "tax_rate", "description", "source"}
            unknown = sorted(set(value) - known)
            if unknown:
                raise ValidationError(f"lines.{index}.{unknown[0]}: unknown field (a line has "
                                      f"{', '.join(sorted(known))})",
                                      field=f"lines.{index}.{unknown[0]}")
            return cls(**{k: value.get(k) for k in known})
        raise ValidationError(f"lines.{index}: {value!r} is not a line (item, qty, price, "
                              "discount, tax_rate)", field=f"lines.{index}")


LINE_SPEC = re.compile(r"^(?P<item>[^:]+)(:(?P<rest>.*))?$")


def parse_line_spec(text: str, index: int = 0) -> LineInput:
    """``SKU:QTY[:PRICE[:DISCOUNT[:TAX]]]`` (the CLI's ``--line``); empty parts keep the
    defaults (``ROBOT-STD:10::5`` gives 5% off the list price)."""
    parts = (text or "").strip().split(":")
    field = f"lines.{index}"
    if len(parts) < 2 or not parts[0].strip() or not parts[1].strip() or len(parts) > 5:
        raise ValidationError(f"{field}: {text!r} is not SKU:QTY[:PRICE[:DISCOUNT[:TAX]]] "
                              "(e.g. ROBOT-STD:10 or ROBOT-STD:10:1450:5:20)", field=field)
    values = [p.strip() or None for p in parts] + [None] * (5 - len(parts))
    return LineInput(values[0], values[1], values[2], values[3], values[4])


def _percent(value: Any, field: str) -> Decimal:
    number = validation.decimal(value, field=field, places=4, integer_digits=3, minimum=ZERO)
    if number > HUNDRED:
        raise ValidationError(f"{field}: {value!r} is more than 100 (a percentage)", field=field)
    return number


def _too_large(ref: Any) -> bool:
    """A number beyond the database's ids (it would overflow the query, not miss)."""
    text = str(ref).strip() if isinstance(ref, (int, str)) else ""
    return text.isdigit() and int(text) > MAX_ID


def _contains(session: Session, column: Any, word: str) -> Any:
    """``column`` contains ``word``, in any case. SQLite's own LIKE ignores the case of
    ASCII letters and is many times faster than a Python function per row, so a word of
    ASCII letters uses it (the German sharp s matches "ss" only on the slower path); other
    words, and PostgreSQL (whose lower() knows every alphabet), fold both sides."""
    if session.get_bind().dialect.name == "sqlite" and word.isascii():
        return column.like(contains_pattern(word), escape="\\")
    return fold(session, column).like(contains_pattern(fold_text(session, word)), escape="\\")


def _setting(session: Session, key: str) -> str:
    found = session.get(SiteSetting, key)
    return (found.value or "").strip() if found is not None else ""


def default_tax_rate(session: Session) -> Decimal:
    raw = _setting(session, TAX_RATE_SETTING)
    return _percent(raw, TAX_RATE_SETTING) if raw else ZERO


def _item(session: Session, ref: Any, field: str, cache: dict[Any, Item]) -> Item:
    key = ref.strip() if isinstance(ref, str) else ref
    if key in cache:
        return cache[key]
    if key is None or key == "":
        raise ValidationError(f"{field}: the item is missing (give its SKU)", field=field)
    if isinstance(key, int) and not isinstance(key, bool):
        item = session.get(Item, key)
        what = f"with id {key}"
    else:
        text = validation.text(key, field=field, max_length=64, required=True)
        item = session.scalar(select(Item).where(Item.sku == text))
        if item is None:
            item = session.scalar(select(Item).where(
                fold(session, Item.sku) == fold_text(session, text)).limit(1))
        what = repr(text)
    if item is None:
        raise NotFound(f"{field}: item {what} does not exist", field=field)
    if not item.active:
        raise ValidationError(f"{field}: item {item.sku!r} is inactive: it cannot be ordered",
                              field=field)
    cache[key] = item
    return item


def _build_lines(session: Session, order: Order, raw_lines: Sequence[Any]) -> None:
    """Replace the order's lines with ``raw_lines`` (all checked before any is kept)."""
    found = validation.Mistakes()
    built = _checked_lines(session, raw_lines, found)
    found.raise_any()
    if order.lines:
        order.lines.clear()
        session.flush()  # the old positions leave before the new ones arrive
    order.lines.extend(built)
    refresh_totals(order, money_unit(session))


def _checked_lines(session: Session, raw_lines: Sequence[Any],
                   found: Any) -> list[OrderLine]:
    """The order lines of ``raw_lines``; each line's mistakes go to ``found`` (a
    ``validation.Mistakes``), so that every line's are reported at once."""
    if len(raw_lines) > MAX_LINES:
        raise ValidationError(f"lines: {len(raw_lines)} lines are more than an order takes "
                              f"({MAX_LINES})", field="lines")
    taxes: dict[str, Decimal] = {}
    cache: dict[Any, Item] = {}
    built: list[OrderLine] = []
    for index, raw in enumerate(raw_lines):
        line = found.run(lambda raw=raw, index=index: LineInput.of(raw, index))
        if line is None:
            continue
        prefix = f"lines.{index}"
        item = found.run(lambda line=line, prefix=prefix: _item(
            session, line.item, f"{prefix}.item", cache))
        if item is None:
            # The item is unknown, but its numbers can still be checked.
            for name, value in (("qty", line.qty), ("price", line.price)):
                if value not in (None, ""):
                    found.run(lambda value=value, name=name, prefix=prefix: validation.decimal(
                        value, field=f"{prefix}.{name}", places=6, minimum=ZERO))
            for name, value in (("discount", line.discount), ("tax_rate", line.tax_rate)):
                if value not in (None, ""):
                    found.run(lambda value=value, name=name, prefix=prefix: _percent(
                        value, f"{prefix}.{name}"))
            continue
        checked = _line(session, line, item, prefix, index, found, taxes)
        if checked is not None:
            built.append(checked)
    return built


def _line(session: Session, line: Any, item: Item, prefix: str, index: int, found: Any,
          taxes: dict[str, Decimal]) -> OrderLine | None:
    """One line of an order; each of its fields' mistakes goes to ``found`` (``None``
    when there was one)."""
    from ordercraft.sdk.items import check_quantity

    def quantity() -> Decimal:
        if line.qty is None or line.qty == "":
            raise ValidationError(f"{prefix}.qty: the quantity of {item.sku!r} is missing",
                                  field=f"{prefix}.qty")
        qty = check_quantity(item, line.qty, field=f"{prefix}.qty")
        if qty <= 0:
            raise ValidationError(f"{prefix}.qty: the quantity of {item.sku!r} must be more "
                                  f"than zero, not {line.qty!r}", field=f"{prefix}.qty")
        return qty

    def tax() -> Decimal:
        if line.tax_rate not in (None, ""):
            return _percent(line.tax_rate, f"{prefix}.tax_rate")
        if "default" not in taxes:
            taxes["default"] = default_tax_rate(session)
        return taxes["default"]

    before = len(found.found)
    qty = found.run(quantity)
    price = found.run(lambda: item.price if line.price in (None, "") else validation.decimal(
        line.price, field=f"{prefix}.price", places=6, minimum=ZERO))
    discount = found.run(lambda: ZERO if line.discount in (None, "") else _percent(
        line.discount, f"{prefix}.discount"))
    tax_rate = found.run(tax)
    description = found.run(lambda: validation.text(
        line.description, field=f"{prefix}.description", max_length=300) or item.name)
    if len(found.found) > before or qty is None or price is None or discount is None \
            or tax_rate is None:
        return None
    amounts = line_amounts(qty, price, discount, tax_rate, money_unit(session))
    if amounts.total.adjusted() >= 12:
        found.add(ValidationError(f"{prefix}.qty: {qty} x {price} is too large an amount",
                                  field=f"{prefix}.qty"))
        return None
    if line.source is not None and not isinstance(line.source, Mapping):
        found.add(ValidationError(f"{prefix}.source: {line.source!r} is not a calculator run",
                                  field=f"{prefix}.source"))
        return None
    return OrderLine(position=index + 1, item=item, item_id=item.id, description=description,
                     qty=qty, price=price, discount_pct=discount, tax_rate=tax_rate,
                     net_amount=amounts.net, tax_amount=amounts.tax,
                     total_amount=amounts.total,
                     source=dict(line.source) if line.source else None)


def crm_clients(session: Session) -> Any:
    """crm's service ``clients`` (``get(session, ref)``): sales requires crm."""
    return plugin_service(session, "crm", "clients")


def crm_deals(session: Session) -> Any:
    """crm's service ``deals`` (``get(session, id)``, ``latest_open(session, client_id)``)."""
    return plugin_service(session, "crm", "deals")


def refresh_totals(order: Order, unit: Decimal) -> None:
    """The order's subtotal, tax and total from its lines, each line rounded to ``unit``
    (the sales currency's smallest amount)."""
    totals = order_totals(line_amounts(line.qty, line.price, line.discount_pct, line.tax_rate,
                                       unit)
                          for line in order.lines)
    order.subtotal, order.tax_total, order.total = totals.subtotal, totals.tax_total, totals.total
    order.custom_count = int(sum((line.qty for line in order.lines
                                  if is_made_to_order(line.item)), ZERO))


def is_made_to_order(item: Item) -> bool:
    """Built for each customer (a custom robot): the item's attribute ``made_to_order``."""
    return bool((item.attributes or {}).get("made_to_order"))


def resolve_client(session: Session, ref: Any) -> Party:
    if ref is None or ref == "":
        raise ValidationError("client: the order's client is missing (its id or name)",
                              field="client")
    if _too_large(ref):
        raise NotFound(f"client: there is no client with id {ref}", field="client")
    if isinstance(ref, str):
        ref = validation.text(ref, field="client", max_length=200, required=True)
    try:
        return crm_clients(session).get(session, ref)
    except (NotFound, ValidationError) as exc:
        raise type(exc)(exc.message if exc.message.startswith("client") else
                        f"client: {exc.message}", field="client", code=exc.code) from None


def _legal_entity(session: Session, party: Party, ref: Any, on: date) -> LegalEntity | None:
    if ref in (None, ""):
        # The entity the client trades through on the order's date: the latest valid one.
        candidates = [e for e in party.legal_entities
                      if (e.valid_from is None or e.valid_from <= on)
                      and (e.valid_to is None or e.valid_to >= on)]
        candidates.sort(key=lambda e: (e.valid_from or date.min, e.id))
        return candidates[-1] if candidates else None
    entity_id = validation.whole_number(ref, field="legal_entity", minimum=1, maximum=MAX_ID)
    entity = session.get(LegalEntity, entity_id)
    if entity is None or entity.party_id != party.id:
        raise ValidationError(f"legal_entity: {entity_id} is not a legal entity of client "
                              f"{party.name!r}", field="legal_entity")
    return entity


def _deal_id(session: Session, party: Party, ref: Any) -> int | None:
    if ref in (None, ""):
        return None
    if _too_large(ref):
        raise NotFound(f"deal {ref} does not exist", field="deal")
    deal = crm_deals(session).find(session, party.id, ref)
    if deal.party_id != party.id:
        raise ValidationError(f"deal: deal {deal.id} ({deal.title!r}) belongs to another client "
                              f"than {party.name!r}", field="deal")
    if deal.state == "lost":
        raise ValidationError(f"deal: deal {deal.id} ({deal.title!r}) was lost", field="deal")
    return deal.id


def _warehouse(session: Session, ref: Any) -> Warehouse:
    if ref in (None, ""):
        ref = _setting(session, WAREHOUSE_SETTING) or None
    if ref in (None, ""):
        found = session.scalar(select(Warehouse).where(Warehouse.active.is_(True))
                               .order_by(Warehouse.id).limit(1))
        if found is None:
            raise ValidationError("warehouse: the site has no active warehouse to ship from "
                                  "(add one: ordercraft warehouse add CODE)", field="warehouse")
        return found
    code = validation.text(ref, field="warehouse", max_length=32, required=True)
    found = session.scalar(select(Warehouse).where(Warehouse.code == code))
    if found is None:
        raise NotFound(f"warehouse: {code!r} does not exist", field="warehouse")
    if not found.active:
        raise ValidationError(f"warehouse: {code!r} is inactive", field="warehouse")
    return found


def _manager_id(session: Session, ref: Any) -> int | None:
    if ref in (None, ""):
        return None
    name = validation.text(ref, field="manager", max_length=100)
    user_id = session.scalar(select(User.id).where(User.name == name))
    if user_id is None:
        raise NotFound(f"manager: user {name!r} does not exist", field="manager")
    return user_id


def next_number(session: Session) -> str:
    """``SO-00001``, ``SO-00002``... (the prefix is the site setting
    ``sales_number_prefix``): taken under the counter's row lock (PostgreSQL) or the
    write lock every SQLite transaction holds, skipping numbers entered by hand."""
    prefix = get_setting(session, NUMBER_PREFIX_SETTING)
    counter = session.get(Counter, "order", with_for_update=True)
    if counter is None:
        counter = Counter(name="order", value=0)
        session.add(counter)
        session.flush()
    while True:
        counter.value += 1
        number = f"{prefix}{counter.value:05d}"
        if session.scalar(select(Order.id).where(Order.number == number)) is None:
            session.flush()
            return number


def _number(session: Session, value: Any, exclude_id: int | None = None) -> str:
    number = validation.code(value, field="number", max_length=30)
    query = select(Order.id).where(Order.number == number)
    if exclude_id is not None:
        query = query.where(Order.id != exclude_id)
    if session.scalar(query) is not None:
        raise Conflict(f"number: order {number!r} already exists", field="number",
                       code="duplicate")
    return number


# --------------------------------------------------------------------------- services


def create_order(session: Session, client: Any, *, lines: Sequence[Any] = (),
                 legal_entity: Any = None, deal: Any = None, warehouse: Any = None,
                 order_date: Any = None, due_date: Any = None, notes: Any = "",
                 manager: Any = None, number: Any = None,
                 custom_fields: Mapping[str, Any] | None = None) -> Order:
    """A new draft order of ``client`` (id or name) with ``lines`` (``LineInput``, dicts
    of ``item, qty, price, discount, tax_rate, description``, or CLI specs) and the
    values of its custom fields."""
    require_session_permission(session, "order.write")
    # Every mistake of the client, the dates and the lines is reported at once.
    found = validation.Mistakes()
    party = found.run(lambda: resolve_client(session, client))
    on = found.run(lambda: validation.day(order_date, field="order_date")) or date.today()
    due = found.run(lambda: validation.day(due_date, field="due_date"))
    if due is not None and due < on:
        found.add(ValidationError(f"due_date: {due.isoformat()} is before the order date "
                                  f"{on.isoformat()}", field="due_date"))
    if found:
        parsed_lines = found.run(lambda: [parse_line_spec(line, i) if isinstance(line, str)
                                          else line for i, line in enumerate(lines)])
        if parsed_lines:
            _checked_lines(session, parsed_lines, found)
        found.raise_any()
    assert party is not None
    entity = _legal_entity(session, party, legal_entity, on)
    user = session.info.get("user")
    manager_id = _manager_id(session, manager) if manager not in (None, "") else (
        getattr(user, "id", None) or party.manager_id)
    order = Order(
        number=_number(session, number) if number not in (None, "") else "",
        party_id=party.id, client=party, legal_entity_id=entity.id if entity else None,
        deal_id=_deal_id(session, party, deal), warehouse_id=_warehouse(session, warehouse).id,
        manager_id=manager_id, order_date=on, due_date=due,
        notes=validation.text(notes, field="notes", max_length=10_000, multiline=True))
    parsed = [parse_line_spec(line, i) if isinstance(line, str) else line
              for i, line in enumerate(lines)]
    _build_lines(session, order, parsed)
    if not order.number:
        order.number = next_number(session)
    session.add(order)
    session.flush()
    custom.save_values(session, "order", order.id, custom_fields, creating=True)
    return order


def update_order(session: Session, ref: Any, *, lines: Sequence[Any] | None = None,
                 custom_fields: Mapping[str, Any] | None = None, **changes: Any) -> Order:
    """Change a draft order: the given fields (``None`` = leave as is) and, with ``lines``,
    all of its lines. A confirmed order no longer changes (cancel it instead), but for its
    custom fields, which a site keeps up to date over the order's life."""
    require_session_permission(session, "order.write")
    order = get_order(session, ref, for_update=True)
    changing = lines is not None or any(v is not None for v in changes.values())
    if order.state != "draft" and changing:
        raise Conflict(f"order {order.number} is {order.state.replace('_', ' ')}: only draft "
                       "orders can be changed", code="not_draft", field="state")
    known = {"client", "legal_entity", "deal", "warehouse", "order_date", "due_date", "notes",
             "manager", "number"}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise ValidationError(f"{unknown[0]}: not a field of an order", field=unknown[0])
    values = {k: v for k, v in changes.items() if v is not None}
    party = order.client
    if "client" in values:
        party = resolve_client(session, values["client"])
        order.party_id, order.client = party.id, party
    if "order_date" in values:
        order.order_date = (validation.day(values["order_date"], field="order_date")
                            or order.order_date)
    if "due_date" in values:
        order.due_date = validation.day(values["due_date"], field="due_date")
    if order.due_date is not None and order.due_date < order.order_date:
        raise ValidationError(f"due_date: {order.due_date.isoformat()} is before the order date "
                              f"{order.order_date.isoformat()}", field="due_date")
    if "legal_entity" in values or "client" in values or "order_date" in values:
        entity = _legal_entity(session, party, values.get("legal_entity"), order.order_date)
        order.legal_entity_id = entity.id if entity else None
    if "deal" in values or "client" in values:
        order.deal_id = _deal_id(session, party, values.get("deal", order.deal_id))
    if "warehouse" in values:
        order.warehouse_id = _warehouse(session, values["warehouse"]).id
    if "notes" in values:
        order.notes = validation.text(values["notes"], field="notes", max_length=10_000,
                                      multiline=True)
    if "manager" in values:
        order.manager_id = _manager_id(session, values["manager"])
    if "number" in values:
        order.number = _number(session, values["number"], exclude_id=order.id)
    if lines is not None:
        parsed = [parse_line_spec(line, i) if isinstance(line, str) else line
                  for i, line in enumerate(lines)]
        _build_lines(session, order, parsed)
    session.flush()
    custom.save_values(session, "order", order.id, custom_fields, creating=False)
    return order


def get_order(session: Session, ref: Any, *, for_update: bool = False) -> Order:
    """By id (a number) or by order number (``SO-00012``)."""
    require_session_permission(session, "order.read")
    if isinstance(ref, Order):
        return ref
    text = str(ref).strip() if ref is not None else ""
    if _too_large(ref) or _CONTROL.search(text) or len(text) > 30:
        raise NotFound(f"order {text[:40]!r} does not exist", field="order")
    if isinstance(ref, int) or re.fullmatch(r"[0-9]{1,12}", text):
        query = select(Order).where(Order.id == int(text))
        what = f"with id {int(text)}"
    else:
        query = select(Order).where(Order.number == text)
        what = repr(text)
    if for_update:
        query = query.with_for_update(of=Order)
    order = session.scalar(query.options(selectinload(Order.lines)))
    if order is None:
        raise NotFound(f"order {what} does not exist", field="order")
    require_record(session, "order", order.manager_id, f"order {order.number}")
    return order


@dataclass(frozen=True)
class OrderRow:
    """One line of the orders list (read without loading lines)."""

    id: int
    number: str
    state: str
    order_date: date
    due_date: date | None
    client_id: int
    client: str
    total: Decimal
    shortage_count: int
    deal_id: int | None
    manager: str | None
    custom_fields: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "state": self.state,
                "order_date": self.order_date, "due_date": self.due_date,
                "client_id": self.client_id, "client": self.client,
                "total": money(self.total),
                "shortage_count": self.shortage_count, "deal_id": self.deal_id,
                "manager": self.manager, "custom_fields": self.custom_fields}


def _states(value: Iterable[str] | str | None) -> list[str]:
    if value in (None, ""):
        return []
    raw = value.split(",") if isinstance(value, str) else list(value)
    states = []
    for part in raw:
        state = str(part).strip().lower().replace(" ", "_")
        if not state:
            continue
        if state not in STATES:
            raise ValidationError(f"status: {part!r} is not a state of an order (states: "
                                  f"{', '.join(STATES)})", field="status")
        states.append(state)
    return states


def list_orders(session: Session, *, status: Iterable[str] | str | None = None,
                client: Any = None, date_from: Any = None, date_to: Any = None,
                search: str | None = None, deal: Any = None,
                custom_fields: Mapping[str, Any] | None = None, limit: Any = None,
                offset: Any = None) -> Page[OrderRow]:
    """Orders, newest first (order date, then entry), filtered by state(s), client (id or
    name), order date range, deal, custom fields (``{name: value}``), and words that must
    each occur in the client's name or, for a word with a digit, in the order number."""
    require_session_permission(session, "order.read")
    limit, offset = page_bounds(limit, offset)
    conditions = []
    visible = owner_condition(session, "order", Order.manager_id)
    if visible is not None:
        conditions.append(visible)
    states = _states(status)
    if states:
        conditions.append(Order.state.in_(states))
    if client not in (None, ""):
        if _too_large(client):
            raise NotFound(f"client: there is no client with id {client}", field="client")
        if isinstance(client, int) or re.fullmatch(r"[0-9]{1,12}", str(client).strip()):
            conditions.append(Order.party_id == int(client))
        else:
            name = " ".join(validation.text(client, field="client", max_length=200).split())
            party_id = session.scalar(select(Party.id).where(
                fold(session, Party.name) == fold_text(session, name)).limit(1))
            if party_id is None:
                raise NotFound(f"client: {client!r} does not exist", field="client")
            conditions.append(Order.party_id == party_id)
    start = validation.day(date_from, field="date_from")
    end = validation.day(date_to, field="date_to")
    if start is not None and end is not None and end < start:
        raise ValidationError(f"date_to: {end.isoformat()} is before date_from "
                              f"{start.isoformat()}", field="date_to")
    if start is not None:
        conditions.append(Order.order_date >= start)
    if end is not None:
        conditions.append(Order.order_date <= end)
    if deal not in (None, ""):
        conditions.append(Order.deal_id == validation.whole_number(deal, field="deal", minimum=1,
                                                                   maximum=MAX_ID))
    conditions += custom.filter_conditions(session, "order", Order.id, custom_fields)
    from ordercraft.sdk.queries import search_words

    words = search_words(search)
    searching = bool(words)
    for word in words:
        by_client = Order.party_id.in_(
            select(Party.id).where(_contains(session, Party.name, word)))
        if not any(c.isdigit() for c in word):
            conditions.append(by_client)  # order numbers always hold digits
            continue
        # One set of matching ids: the union reads the numbers and the client names once
        # each, however the two are spread.
        conditions.append(Order.id.in_(union(
            select(Order.id).where(_contains(session, Order.number, word)),
            select(Order.id).where(by_client))))
    where = and_(*conditions) if conditions else None
    # The page's ids first (walks the date index newest first), then their rows: the join
    # with clients and users touches only one page of orders.
    ids_query = select(Order.id).order_by(Order.order_date.desc(), Order.id.desc())
    if where is not None:
        ids_query = ids_query.where(where)
    total: int | None = None
    if searching:
        # A search builds its set of matches once: count it in the same pass.
        found = session.execute(ids_query.add_columns(func.count().over())
                                .limit(limit).offset(offset)).all()
        ids = [row[0] for row in found]
        total = found[0][1] if found else None
    else:
        ids = list(session.scalars(ids_query.limit(limit).offset(offset)))
    if total is None:
        count = select(func.count()).select_from(Order)
        if where is not None:
            count = count.where(where)
        total = session.scalar(count) or 0
    rows: list[OrderRow] = []
    if ids:
        values = custom.values_for(session, "order", ids)
        found = {row.id: row for row in session.execute(
            select(Order.id, Order.number, Order.state, Order.order_date, Order.due_date,
                   Order.party_id, Party.name.label("client"), Order.total,
                   Order.shortage_count, Order.deal_id,
                   func.coalesce(func.nullif(User.full_name, ""), User.name).label("manager"))
            .join(Party, Party.id == Order.party_id)
            .outerjoin(User, User.id == Order.manager_id)
            .where(Order.id.in_(ids)))}
        rows = [OrderRow(r.id, r.number, r.state, r.order_date, r.due_date, r.party_id,
                         r.client, r.total, r.shortage_count, r.deal_id, r.manager,
                         values[r.id])
                for r in (found[i] for i in ids)]
    return Page(rows, int(total), limit, offset)


# --------------------------------------------------------------------------- output


def money(value: Decimal) -> Decimal:
    """Exact, without the column's trailing zeros, but with at least cents: 1450.000000
    -> 1450.00, 0.037500 -> 0.0375."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    return value.quantize(CENT) if isinstance(exponent, int) and exponent > -2 else normal


def quantity(line_or_item: Any, value: Decimal) -> Decimal:
    """A quantity at its item's unit precision: 5 pieces, 1.250 kg."""
    item = getattr(line_or_item, "item", line_or_item)
    return value.quantize(Decimal(1).scaleb(-(item.unit_precision or 0)))


def percent_value(value: Decimal) -> Decimal:
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal


def line_dict(line: OrderLine) -> dict[str, Any]:
    q = lambda value: quantity(line, value)  # noqa: E731
    return {
        "id": line.id, "position": line.position, "item": line.item.sku,
        "item_name": line.item.name, "item_kind": line.item.kind, "unit": line.item.unit,
        "description": line.description, "qty": q(line.qty), "price": money(line.price),
        "discount": percent_value(line.discount_pct), "tax_rate": percent_value(line.tax_rate),
        "net": money(line.net_amount), "tax": money(line.tax_amount),
        "total": money(line.total_amount), "reserved": q(line.reserved_qty),
        "shipped": q(line.shipped_qty), "to_produce": q(line.to_produce_qty),
        "to_buy": q(line.to_buy_qty), "remaining": q(line.remaining_qty),
        "calc": calc_summary(line.source),
    }


def calc_summary(source: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What an order line shows of the calculator run that priced it (the whole run stays
    in ``OrderLine.source``)."""
    if not source:
        return None
    return {"calculator": source.get("calculator"), "version": source.get("version"),
            "run_id": source.get("run_id"), "params": source.get("params") or {},
            "total": source.get("total")}


def shipment_dict(shipment: Any) -> dict[str, Any]:
    return {
        "id": shipment.id, "number": shipment.number, "date": shipment.ship_date,
        "status": shipment.status, "stock_document": shipment.stock_document_id,
        "reversal_document": shipment.reversal_document_id, "user": shipment.user_name or None,
        "lines": [{"line": sl.order_line.position, "item": sl.order_line.item.sku,
                   "qty": quantity(sl.order_line, sl.qty)} for sl in shipment.lines],
    }


def order_dict(order: Order, *, details: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": order.id, "number": order.number, "state": order.state,
        "client_id": order.party_id, "client": order.client.name,
        "legal_entity_id": order.legal_entity_id,
        "legal_entity": order.legal_entity.name if order.legal_entity else None,
        "deal_id": order.deal_id, "warehouse": order.warehouse.code,
        "manager": order.manager.name if order.manager else None,
        "order_date": order.order_date, "due_date": order.due_date, "notes": order.notes,
        "subtotal": money(order.subtotal), "tax_total": money(order.tax_total),
        "total": money(order.total),
        "custom_count": order.custom_count, "shortage_count": order.shortage_count,
        "confirmed_at": order.confirmed_at, "invoiced_on": order.invoiced_on,
        "paid_on": order.paid_on, "cancel_reason": order.cancel_reason or None,
        "created_at": order.created_at, "updated_at": order.updated_at,
        "custom_fields": custom.values_of(order),
    }
    if details:
        body["lines"] = [line_dict(line) for line in order.lines]
        body["shipments"] = [shipment_dict(s) for s in order.shipments]
    return body
