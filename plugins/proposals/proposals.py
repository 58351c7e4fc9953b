"""Proposals (TCP): entering them, their lines (catalog items, configured templates,
calculator runs, free text, optional lines), pricing with cost and margin, the payment
schedule, approval of big discounts, versions, and accepting one into an order.

The proposal moves through its workflow (:mod:`.machine`); sending, accepting and
declining are transitions whose actions live here. Other plugins are reached through
their services: crm's ``clients`` and ``deals``, sales' ``orders``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, defer, lazyload, selectinload

from ordercraft.plugins.proposals import configurator
from ordercraft.plugins.proposals.models import (
    ProductTemplate,
    Proposal,
    ProposalCounter,
    ProposalLine,
    ProposalMilestone,
)
from ordercraft.plugins.proposals.pricing import (
    HUNDRED,
    NOTHING,
    Amounts,
    add_up,
    line_amounts,
    margin_pct,
    round_money,
)
from ordercraft.sdk import validation
from ordercraft.sdk.errors import Conflict, NotFound, ValidationError
from ordercraft.sdk.models import Item
from ordercraft.sdk.money import minor_unit
from ordercraft.sdk.permissions import require_session_permission
from ordercraft.sdk.plugins import plugin_service
from ordercraft.sdk.queries import Page, page_bounds
from ordercraft.sdk.settings import get_setting

ZERO = Decimal(0)
MAX_LINES = 500
MAX_ID = 2**31 - 1
EDITABLE = ("draft", "approval", "approved")
TRIGGERS = ("acceptance", "before_production", "shipment", "days_after")
APPROVAL_SETTING = "proposals_discount_approval_pct"
LIMITS_SETTING = "proposals_discount_limits"
VALIDITY_SETTING = "proposals_validity_days"
PREFIX_SETTING = "proposals_number_prefix"
#: The numbering series of proposals (a row of ``proposals_counters``).
SERIES = "proposal"
CURRENCY_SETTING = "proposals_currency"


# --------------------------------------------------------------------------- templates


def save_template(session: Session, code: Any, *, name: Any, definition: Any,
                  description: Any = "", image: Any = "") -> ProductTemplate:
    """Add or replace the product template ``code``; its definition is checked (every
    item it names must exist) before anything is stored."""
    require_session_permission(session, "proposal.write")
    key = validation.code(code, field="code", max_length=40)
    try:
        normal = configurator.check_definition(definition)
    except configurator.DefinitionError as exc:
        raise ValidationError(f"definition.{exc}", field=f"definition.{exc.where}") from None
    skus = {b["item"] for b in normal["base"]} | {
        o["item"] for g in normal["groups"] for o in g["options"]}
    known = set(session.scalars(select(Item.sku).where(Item.sku.in_(sorted(skus)))))
    missing = sorted(skus - known)
    if missing:
        raise ValidationError(f"definition: item {missing[0]!r} does not exist",
                              field="definition")
    template = session.scalar(select(ProductTemplate).where(ProductTemplate.code == key))
    if template is None:
        template = ProductTemplate(code=key)
        session.add(template)
    template.name = validation.text(name, field="name", max_length=200, required=True)
    template.description = validation.text(description, field="description",
                                           max_length=10_000, multiline=True)
    template.image = validation.text(image, field="image", max_length=500)
    template.definition = normal
    session.flush()
    return template


def get_template(session: Session, code: Any) -> ProductTemplate:
    require_session_permission(session, "proposal.read")
    text = validation.text(code, field="template", max_length=40, required=True)
    found = session.scalar(select(ProductTemplate).where(ProductTemplate.code == text))
    if found is None or not found.active:
        raise NotFound(f"template: {text!r} does not exist", field="template")
    return found


def list_templates(session: Session) -> list[ProductTemplate]:
    require_session_permission(session, "proposal.read")
    return list(session.scalars(select(ProductTemplate).where(ProductTemplate.active)
                                .order_by(ProductTemplate.code)))


def template_dict(template: ProductTemplate) -> dict[str, Any]:
    return {"code": template.code, "name": template.name, "description": template.description,
            "image": template.image or None, "definition": template.definition}


# --------------------------------------------------------------------------- proposals


def _next_number(session: Session) -> str:
    """``TCP-00001``, ``TCP-00002``... (prefix: the site setting
    ``proposals_number_prefix``) from the series' counter row, read under its row lock:
    a second transaction numbering at the same time waits for the first to end (on
    SQLite every writing transaction holds the database's write lock) and takes the next
    number. Numbers already used (entered before the series existed) are skipped."""
    prefix = get_setting(session, PREFIX_SETTING)
    _ensure_series(session, SERIES)
    counter = session.scalar(select(ProposalCounter).where(ProposalCounter.name == SERIES)
                             .with_for_update().execution_options(populate_existing=True))
    assert counter is not None  # made above
    while True:
        counter.value += 1
        number = f"{prefix}{counter.value:05d}"
        if session.scalar(select(Proposal.id).where(Proposal.number == number)) is None:
            session.flush()
            return number


def _ensure_series(session: Session, name: str) -> None:
    """Create the series' row unless it exists, without a race: two transactions adding
    it at once both go on (``ON CONFLICT DO NOTHING`` / ``INSERT OR IGNORE``)."""
    if session.get(ProposalCounter, name) is not None:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        session.execute(pg_insert(ProposalCounter).values(name=name, value=0)
                        .on_conflict_do_nothing(index_elements=["name"]))
    else:
        session.execute(insert(ProposalCounter).values(name=name, value=0)
                        .prefix_with("OR IGNORE", dialect="sqlite"))


def create_proposal(session: Session, client: Any, *, title: Any = "", deal: Any = None,
                    contact: Any = None, proposal_date: Any = None, valid_until: Any = None,
                    currency: Any = None, notes: Any = "") -> Proposal:
    """A new draft proposal of ``client`` (id or name), valid for the site's
    ``proposals_validity_days`` unless ``valid_until`` says otherwise."""
    require_session_permission(session, "proposal.write")
    party = plugin_service(session, "crm", "clients").get(session, client)
    on = validation.day(proposal_date, field="date") or date.today()
    until = validation.day(valid_until, field="valid_until") or (
        on + timedelta(days=int(get_setting(session, VALIDITY_SETTING))))
    if until < on:
        raise ValidationError(f"valid_until: {until.isoformat()} is before the proposal date "
                              f"{on.isoformat()}", field="valid_until")
    deal_id = None
    if deal not in (None, ""):
        found = plugin_service(session, "crm", "deals").get(session, deal)
        if found.party_id != party.id:
            raise ValidationError(f"deal: deal {found.id} belongs to another client than "
                                  f"{party.name!r}", field="deal")
        deal_id = found.id
    contact_id = None
    if contact not in (None, ""):
        from ordercraft.sdk.models import Contact

        contact_id = validation.whole_number(contact, field="contact", minimum=1, maximum=MAX_ID)
        person = session.get(Contact, contact_id)
        if person is None or person.party_id != party.id:
            raise ValidationError(f"contact: {contact_id} is not a contact of {party.name!r}",
                                  field="contact")
    code = validation.text(currency, field="currency", max_length=3) or get_setting(
        session, CURRENCY_SETTING)
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValidationError(f"currency: {code!r} is not an ISO currency code",
                              field="currency")
    user = session.info.get("user")
    proposal = Proposal(
        number=_next_number(session), party_id=party.id, client=party, deal_id=deal_id,
        contact_id=contact_id, manager_id=getattr(user, "id", None),
        title=validation.text(title, field="title", max_length=200),
        proposal_date=on, valid_until=until, currency=code,
        notes=validation.text(notes, field="notes", max_length=10_000, multiline=True))
    session.add(proposal)
    session.flush()
    return proposal


def get_proposal(session: Session, ref: Any, *, for_update: bool = False,
                 for_pricing: bool = False) -> Proposal:
    """By id or number (``TCP-00001``). ``for_pricing`` loads only what :func:`reprice`
    reads (not the lines' items, characteristics and sources: a third of the time of
    repricing 200 lines went to them)."""
    require_session_permission(session, "proposal.read")
    if isinstance(ref, Proposal):
        return ref
    text = str(ref).strip() if ref is not None else ""
    if re.fullmatch(r"[0-9]{1,10}", text) and int(text) <= MAX_ID:
        query = select(Proposal).where(Proposal.id == int(text))
    elif 0 < len(text) <= 30:
        query = select(Proposal).where(Proposal.number == text)
    else:
        raise NotFound(f"proposal: {text[:40]!r} does not exist", field="proposal")
    if for_update:
        query = query.with_for_update(of=Proposal)
    if for_pricing:
        lines = selectinload(Proposal.lines).options(
            lazyload(ProposalLine.item), defer(ProposalLine.characteristics),
            defer(ProposalLine.source), defer(ProposalLine.description))
        found = session.scalar(query.options(lines))
    else:
        found = session.scalar(query.options(selectinload(Proposal.lines),
                                             selectinload(Proposal.milestones)))
    if found is None:
        raise NotFound(f"proposal: {text!r} does not exist", field="proposal")
    return found


def _editable(proposal: Proposal) -> None:
    if proposal.state == "sent":
        # A sent proposal that changes becomes the next version, back in draft.
        from ordercraft.sdk.workflow import transition

        transition(proposal_session(proposal), proposal, "revise")
        return
    if proposal.state not in EDITABLE:
        raise Conflict(f"proposal {proposal.number} is {proposal.state}: it no longer "
                       "changes", field="state", code="not_editable")


def proposal_session(proposal: Proposal) -> Session:
    from sqlalchemy.orm import object_session

    session = object_session(proposal)
    assert session is not None
    return session


def _item(session: Session, ref: Any, field: str) -> Item:
    text = validation.text(ref, field=field, max_length=64, required=True)
    item = session.scalar(select(Item).where(Item.sku == text))
    if item is None:
        raise NotFound(f"{field}: item {text!r} does not exist", field=field)
    if not item.active:
        raise ValidationError(f"{field}: item {item.sku!r} is inactive", field=field)
    return item


def _percent(value: Any, field: str) -> Decimal:
    if value in (None, ""):
        return ZERO
    number = validation.decimal(value, field=field, places=4, integer_digits=3, minimum=ZERO)
    if number > HUNDRED:
        raise ValidationError(f"{field}: {value!r} is more than 100 (a percentage)",
                              field=field)
    return number


def _tax(session: Session, value: Any, field: str) -> Decimal:
    if value not in (None, ""):
        return _percent(value, field)
    from ordercraft.sdk.settings import get_setting as setting

    try:
        return Decimal(setting(session, "sales_default_tax_rate"))
    except Exception:  # noqa: BLE001 - a site without sales' setting: no tax
        return ZERO


def _qty(value: Any, field: str) -> Decimal:
    number = validation.decimal(value if value not in (None, "") else "1", field=field,
                                places=6, minimum=ZERO)
    if number <= 0:
        raise ValidationError(f"{field}: {value!r} must be more than zero", field=field)
    return number


def _append(proposal: Proposal, lines: Sequence[ProposalLine]) -> None:
    if len(proposal.lines) + len(lines) > MAX_LINES:
        raise ValidationError(f"lines: a proposal holds at most {MAX_LINES} lines",
                              field="lines")
    position = max((line.position for line in proposal.lines), default=0)
    for line in lines:
        position += 1
        line.position = position
        proposal.lines.append(line)


def add_line(session: Session, ref: Any, *, item: Any = None, text: Any = None,
             qty: Any = None, price: Any = None, discount: Any = None, tax_rate: Any = None,
             description: Any = None, optional: bool = False) -> ProposalLine:
    """A catalog item line (``item``: SKU; price default: its list price; cost from the
    stock ledger) or a free text line (``text``)."""
    require_session_permission(session, "proposal.write")
    proposal = get_proposal(session, ref, for_update=True)
    _editable(proposal)
    if (item in (None, "")) == (text in (None, "")):
        raise ValidationError("item: give an item (SKU) or a text line, not both",
                              field="item")
    if text not in (None, ""):
        line = ProposalLine(kind="text", description=validation.text(
            text, field="text", max_length=300, required=True), qty=ZERO)
    else:
        found = _item(session, item, "item")
        line = ProposalLine(
            kind="item", item_id=found.id, item=found,
            description=validation.text(description, field="description", max_length=300)
            or found.name,
            qty=_qty(qty, "qty"),
            price=found.price if price in (None, "") else validation.decimal(
                price, field="price", places=6, minimum=ZERO),
            discount_pct=_percent(discount, "discount"),
            tax_rate=_tax(session, tax_rate, "tax_rate"),
            optional=bool(optional), chosen=not optional)
    _append(proposal, [line])
    reprice(session, proposal)
    return line


def configure(session: Session, ref: Any, template: Any, options: Any, *, qty: Any = 1,
              discount: Any = None, tax_rate: Any = None, optional: bool = False,
              group: Any = None) -> list[ProposalLine]:
    """Add (or, with ``group``, replace) a configured template: its base items and the
    chosen options, as one group of lines. An invalid combination is refused naming the
    rule it breaks; nothing is saved."""
    require_session_permission(session, "proposal.write")
    proposal = get_proposal(session, ref, for_update=True)
    _editable(proposal)
    found = get_template(session, template)
    selection = configurator.parse_selection(options or [])
    checked = configurator.configure(found.definition, selection)
    if not checked.ok:
        first = checked.problems[0]
        raise ValidationError(f"{first.field}: {first.message}"
                              + (f" (and {len(checked.problems) - 1} more)"
                                 if len(checked.problems) > 1 else ""), field=first.field,
                              code="incompatible")
    units = _qty(qty, "qty")
    skus = sorted({line.item for line in checked.lines})
    items = {i.sku: i for i in session.scalars(select(Item).where(Item.sku.in_(skus)))}
    discount_pct = _percent(discount, "discount")
    rate = _tax(session, tax_rate, "tax_rate")
    key = str(group) if group not in (None, "") else f"G{_next_group(proposal)}"
    if group not in (None, ""):
        old = [line for line in proposal.lines if line.group_key == key]
        if not old:
            raise NotFound(f"group: proposal {proposal.number} has no group {key!r}",
                           field="group")
        for line in old:
            proposal.lines.remove(line)
        session.flush()
    title = found.name
    built = []
    for index, configured in enumerate(checked.lines):
        product = items[configured.item]
        built.append(ProposalLine(
            kind="config", group_key=key, group_title=title, item_id=product.id, item=product,
            description=configured.label or product.name,
            characteristics=configured.characteristics, qty=configured.qty * units,
            price=configured.price if configured.price is not None else product.price,
            discount_pct=discount_pct, tax_rate=rate, optional=bool(optional),
            chosen=not optional,
            source={"template": found.code, "options": _plain(checked.selection),
                    "units": str(units)} if index == 0 else {}))
    _append(proposal, built)
    reprice(session, proposal)
    return built


def _plain(selection: Mapping[str, Mapping[str, Decimal]]) -> dict[str, dict[str, str]]:
    return {group: {option: str(qty) for option, qty in picked.items()}
            for group, picked in selection.items() if picked}


def _next_group(proposal: Proposal) -> int:
    numbers = [int(line.group_key[1:]) for line in proposal.lines
               if re.fullmatch(r"G[0-9]+", line.group_key or "")]
    return max(numbers, default=0) + 1


def add_calculator_line(session: Session, ref: Any, *, run: Mapping[str, Any], item: Any,
                        qty: Any = 1, price: Any = None, markup: Any = None,
                        discount: Any = None, tax_rate: Any = None,
                        description: Any = None) -> ProposalLine:
    """A line priced by a calculator run made before this transaction (``run``:
    ``CalcResult.to_dict()`` of ``ordercraft.sdk.calc.run_calculator``). The run's
    calculator, script version, inputs, result lines and the catalog prices it read are
    stored with the line, so the price can be reproduced; its total is the unit cost; the
    price is ``price`` or the cost plus ``markup`` percent (rounded to the cent). Every
    mistake of the values is reported at once."""
    require_session_permission(session, "proposal.write")
    proposal = get_proposal(session, ref, for_update=True)
    _editable(proposal)
    try:
        cost = Decimal(str(run["total"]))
    except Exception:  # noqa: BLE001 - a result without a total is not a run
        raise ValidationError("run: the calculator's result has no total", field="run") from None
    found = validation.Mistakes()
    product = found.run(lambda: _item(session, item, "item"))
    if price not in (None, ""):
        unit_price = found.run(lambda: validation.decimal(price, field="price", places=6,
                                                          minimum=ZERO))
    else:
        up = found.run(lambda: _percent(markup, "markup")) or ZERO
        unit_price = round_money(cost * (HUNDRED + up) / HUNDRED, minor_unit(proposal.currency))
    text = found.run(lambda: validation.text(description, field="description",
                                             max_length=300))
    quantity = found.run(lambda: _qty(qty, "qty"))
    discount_pct = found.run(lambda: _percent(discount, "discount"))
    tax = found.run(lambda: _tax(session, tax_rate, "tax_rate"))
    found.raise_any()
    assert product is not None and unit_price is not None
    key = f"G{_next_group(proposal)}"
    line = ProposalLine(
        kind="calc", group_key=key, group_title=str(run.get("title") or run.get("calculator")),
        item_id=product.id, item=product, description=text or product.name, qty=quantity,
        price=unit_price, discount_pct=discount_pct, tax_rate=tax,
        unit_cost=cost, cost_source="calc",
        source=_jsonable({key: run.get(key) for key in (
            "calculator", "version", "params", "total", "lines", "catalog", "run_id")}))
    _append(proposal, [line])
    reprice(session, proposal)
    return line


#: The calculator section's inputs ("Add to a proposal"), as :func:`add_calculator_line`
#: checks them.
CALC_LINE_RULES = {
    "qty": validation.FieldRule("decimal", places=6, minimum=0),
    "markup": validation.FieldRule("decimal", places=4, minimum=0, maximum=100),
    "description": validation.FieldRule(max_length=300),
}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (Decimal, date)):
        return str(value)
    return value


def change_line(session: Session, ref: Any, position: Any, *, qty: Any = None,
                price: Any = None, discount: Any = None, chosen: Any = None,
                remove: bool = False) -> Proposal:
    """Change a line's quantity, price, discount, tick an optional line (``chosen``), or
    remove it (a configured group goes whole: configure it again instead)."""
    require_session_permission(session, "proposal.write")
    proposal = get_proposal(session, ref, for_update=True)
    _editable(proposal)
    number = validation.whole_number(position, field="line", minimum=1, maximum=10_000)
    line = next((item for item in proposal.lines if item.position == number), None)
    if line is None:
        raise NotFound(f"line: proposal {proposal.number} has no line {number}", field="line")
    if remove:
        proposal.lines.remove(line)
    else:
        if qty not in (None, ""):
            line.qty = _qty(qty, "qty")
        if price not in (None, ""):
            line.price = validation.decimal(price, field="price", places=6, minimum=ZERO)
        if discount not in (None, ""):
            if line.group_key and line.kind == "config":
                for member in proposal.lines:
                    if member.group_key == line.group_key:
                        member.discount_pct = _percent(discount, "discount")
            line.discount_pct = _percent(discount, "discount")
        if chosen is not None:
            if not line.optional:
                raise ValidationError(f"chosen: line {number} is not optional", field="chosen")
            for member in proposal.lines:
                if member is line or (line.group_key and member.group_key == line.group_key):
                    member.chosen = bool(chosen)
    session.flush()
    reprice(session, proposal)
    return proposal


def set_schedule(session: Session, ref: Any, milestones: Sequence[Mapping[str, Any]]) -> Proposal:
    """Replace the payment schedule: milestones with ``label``, ``percent`` or ``amount``,
    ``trigger`` (acceptance, before_production, shipment, days_after) and ``days``."""
    require_session_permission(session, "proposal.write")
    proposal = get_proposal(session, ref, for_update=True)
    _editable(proposal)
    built = []
    for index, raw in enumerate(milestones):
        field = f"milestones.{index}"
        trigger = validation.choice(raw.get("trigger"), field=f"{field}.trigger",
                                    choices=TRIGGERS)
        percent, amount = raw.get("percent"), raw.get("amount")
        if (percent in (None, "")) == (amount in (None, "")):
            raise ValidationError(f"{field}: give either a percent or an amount",
                                  field=f"{field}.percent")
        built.append(ProposalMilestone(
            position=index + 1, trigger=trigger,
            label=validation.text(raw.get("label"), field=f"{field}.label", max_length=200)
            or trigger.replace("_", " "),
            percent=_percent(percent, f"{field}.percent") if percent not in (None, "") else None,
            amount=validation.decimal(amount, field=f"{field}.amount", places=2, minimum=ZERO)
            if amount not in (None, "") else None,
            days=validation.whole_number(raw.get("days") or 0, field=f"{field}.days",
                                         minimum=0, maximum=365)))
    share = sum((m.percent for m in built if m.percent is not None), ZERO)
    fixed = sum((m.amount for m in built if m.amount is not None), ZERO)
    unit = minor_unit(proposal.currency)
    if share > HUNDRED or fixed + round_money(proposal.total * share / HUNDRED, unit) \
            > proposal.total:
        raise ValidationError(f"milestones: they add up to more than the proposal's total "
                              f"{proposal.total.quantize(Decimal('0.01'))}", field="milestones")
    proposal.milestones.clear()
    session.flush()
    proposal.milestones.extend(built)
    session.flush()
    return proposal


# --------------------------------------------------------------------------- pricing


def reprice(session: Session, proposal: Proposal) -> Amounts:
    """Recompute every line's money from its price, discount, tax and cost (the stock
    ledger's cost of the items now, one query for all of them; calculator lines keep
    their run's cost), and the proposal's totals as the sums of the rounded lines."""
    item_ids = [line.item_id for line in proposal.lines
                if line.item_id is not None and line.kind in ("item", "config")]
    costs = _unit_costs(session, item_ids)
    unit = minor_unit(proposal.currency)
    for line in proposal.lines:
        if line.kind in ("item", "config") and line.item_id is not None:
            found = costs.get(line.item_id)
            _change(line, unit_cost=ZERO if found is None else found,
                    cost_source="none" if found is None else "stock")
        amounts = (line_amounts(line.qty, line.price, line.discount_pct, line.tax_rate,
                                line.unit_cost, unit) if line.kind != "text" else NOTHING)
        _change(line, net_amount=amounts.net, tax_amount=amounts.tax,
                total_amount=amounts.total, cost_amount=amounts.cost)
    totals = add_up(_amounts(line) for line in proposal.lines if line.counts)
    _change(proposal, subtotal=totals.net, tax_total=totals.tax, total=totals.total,
            cost_total=totals.cost,
            max_discount=max((line.discount_pct for line in proposal.lines if line.counts),
                             default=ZERO))
    session.flush()
    return totals


def _change(row: Any, **values: Any) -> None:
    """Set only what differs: repricing an unchanged proposal writes nothing (200 lines
    of unchanged figures were most of its time)."""
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def _unit_costs(session: Session, item_ids: Sequence[int]) -> dict[int, Decimal]:
    from ordercraft.sdk.errors import PermissionDenied
    from ordercraft.sdk.stock import unit_costs

    try:
        return unit_costs(session, item_ids)
    except PermissionDenied:
        return {}  # a user who may not see stock sees no costs, not a refusal


def _amounts(line: ProposalLine) -> Amounts:
    return Amounts(line.net_amount, line.tax_amount, line.total_amount, line.cost_amount)


def approval_threshold(session: Session, user: Any = None) -> Decimal:
    """The largest line discount ``user`` may send without an approval: the highest
    limit the site setting ``proposals_discount_limits`` gives one of the user's roles
    (``manager=10, head_of_sales=20``), else ``proposals_discount_approval_pct``."""
    from ordercraft.plugins.proposals.declarations import role_limits

    limits = role_limits(get_setting(session, LIMITS_SETTING))
    own = [limits[role] for role in getattr(user, "role_names", ()) if role in limits]
    return max(own) if own else Decimal(get_setting(session, APPROVAL_SETTING))


# --------------------------------------------------------------------------- accept


def accept(session: Session, proposal: Proposal, when: date) -> dict[str, Any]:
    """The action of ``accept``: the order with the same lines (optional lines the client
    did not tick left out; text lines are the order's notes; a calculator line keeps its
    run), prices and payment
    schedule, linked both ways; the deal moves to won with the order's amount."""
    if proposal.valid_until < when:
        raise Conflict(f"valid_until: proposal {proposal.number} expired on "
                       f"{proposal.valid_until.isoformat()}", field="valid_until",
                       code="expired")
    lines = [{"item": line.item.sku if line.item else None, "qty": line.qty,
              "price": line.price, "discount": line.discount_pct, "tax_rate": line.tax_rate,
              "description": (f"{line.group_title}: {line.description}"
                              if line.group_title and line.kind == "config"
                              else line.description)[:300],
              "source": line.source if line.kind == "calc" and line.source else None}
             for line in proposal.lines if line.counts and line.item_id is not None]
    if not lines:
        raise Conflict(f"proposal {proposal.number} has no lines to order", field="lines",
                       code="empty")
    texts = [line.description for line in proposal.lines if line.kind == "text"]
    milestones = [{"label": m.label, "trigger": m.trigger, "days": m.days,
                   "percent": m.percent, "amount": m.amount} for m in proposal.milestones]
    made = plugin_service(session, "sales", "orders").create(
        session, client=proposal.party_id, lines=lines, milestones=milestones,
        deal=proposal.deal_id, order_date=when,
        notes="\n".join([f"From proposal {proposal.number} v{proposal.version}", *texts]))
    proposal.order_id, proposal.order_number = made["id"], made["number"]
    if proposal.deal_id is not None:
        _win_deal(session, proposal.deal_id, made["total"])
    return made


def _win_deal(session: Session, deal_id: int, amount: Decimal) -> None:
    from ordercraft.sdk.workflow import available_transitions, transition

    deal = plugin_service(session, "crm", "deals").get(session, deal_id)
    if deal.state in ("won", "lost"):
        return
    deal.amount = amount
    for step in ("qualify", "propose"):   # a deal still in its early stages moves along
        if deal.state in ("lead", "qualified") and step in {
                t.name for t in available_transitions(session, deal, user=None)}:
            transition(session, deal, step, user=None)
    if deal.state in ("proposal", "negotiation"):
        transition(session, deal, "win", user=None)


# --------------------------------------------------------------------------- reading


def list_proposals(session: Session, *, client: Any = None, status: Any = None,
                   deal: Any = None, limit: Any = None, offset: Any = None) -> Page[Proposal]:
    require_session_permission(session, "proposal.read")
    limit, offset = page_bounds(limit, offset)
    query = select(Proposal)
    if client not in (None, ""):
        party = plugin_service(session, "crm", "clients").get(session, client)
        query = query.where(Proposal.party_id == party.id)
    if status not in (None, ""):
        states = [s.strip() for s in (status.split(",") if isinstance(status, str) else status)]
        for state in states:
            validation.choice(state, field="status", choices=STATES)
        query = query.where(Proposal.state.in_(states))
    if deal not in (None, ""):
        query = query.where(Proposal.deal_id == validation.whole_number(
            deal, field="deal", minimum=1, maximum=MAX_ID))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(session.scalars(query.order_by(Proposal.proposal_date.desc(),
                                               Proposal.id.desc())
                                .options(selectinload(Proposal.client))
                                .limit(limit).offset(offset)))
    return Page(rows, int(total), limit, offset)


STATES = ("draft", "approval", "approved", "sent", "accepted", "declined", "expired")


def money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01")) if value == round_money(value) else value.normalize()


def _number(value: Decimal) -> Decimal:
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal


def line_dict(line: ProposalLine, *, internal: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "position": line.position, "kind": line.kind, "group": line.group_key or None,
        "group_title": line.group_title or None, "item": line.item.sku if line.item else None,
        "description": line.description, "characteristics": line.characteristics or {},
        "qty": _number(line.qty), "price": money(line.price),
        "discount": _number(line.discount_pct), "tax_rate": _number(line.tax_rate),
        "optional": line.optional, "chosen": line.chosen,
        "net": money(line.net_amount), "tax": money(line.tax_amount),
        "total": money(line.total_amount)}
    if internal:
        body.update({"unit_cost": money(line.unit_cost), "cost_source": line.cost_source,
                     "cost": money(line.cost_amount),
                     "margin": money(line.net_amount - line.cost_amount),
                     "margin_pct": margin_pct(line.net_amount, line.cost_amount),
                     "source": line.source or {}})
    return body


def groups_of(proposal: Proposal, *, internal: bool = True) -> list[dict[str, Any]]:
    """Per group (configured template or calculator run): its lines' sums."""
    found: dict[str, list[ProposalLine]] = {}
    for line in proposal.lines:
        if line.group_key:
            found.setdefault(line.group_key, []).append(line)
    rows = []
    for key, lines in found.items():
        sums = add_up(_amounts(line) for line in lines if line.counts)
        row: dict[str, Any] = {"group": key, "title": lines[0].group_title,
                               "kind": lines[0].kind, "net": money(sums.net),
                               "tax": money(sums.tax), "total": money(sums.total),
                               "optional": lines[0].optional, "chosen": lines[0].chosen,
                               "template": (lines[0].source or {}).get("template")}
        if internal:
            row.update({"cost": money(sums.cost), "margin": money(sums.margin),
                        "margin_pct": sums.margin_pct, "source": lines[0].source or {}})
        rows.append(row)
    return rows


def milestone_dict(proposal: Proposal, milestone: ProposalMilestone) -> dict[str, Any]:
    amount = (milestone.amount if milestone.amount is not None
              else round_money(proposal.total * (milestone.percent or ZERO) / HUNDRED,
                               minor_unit(proposal.currency)))
    return {"position": milestone.position, "label": milestone.label,
            "trigger": milestone.trigger, "days": milestone.days,
            "percent": _number(milestone.percent) if milestone.percent is not None else None,
            "amount": money(amount)}


def proposal_dict(proposal: Proposal, *, details: bool = True,
                  internal: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": proposal.id, "number": proposal.number, "state": proposal.state,
        "version": proposal.version, "sent_version": proposal.sent_version,
        "title": proposal.title, "client_id": proposal.party_id,
        "client": proposal.client.name, "contact_id": proposal.contact_id,
        "deal_id": proposal.deal_id, "date": proposal.proposal_date,
        "valid_until": proposal.valid_until, "currency": proposal.currency,
        "subtotal": money(proposal.subtotal), "tax_total": money(proposal.tax_total),
        "total": money(proposal.total), "order_id": proposal.order_id,
        "order": proposal.order_number or None, "reason": proposal.close_reason or None}
    if internal:
        body.update({"cost": money(proposal.cost_total), "margin": money(proposal.margin),
                     "margin_pct": margin_pct(proposal.subtotal, proposal.cost_total),
                     "max_discount": _number(proposal.max_discount),
                     "approved_discount": _number(proposal.approved_discount)
                     if proposal.approved_discount is not None else None,
                     "approved_by": proposal.approved_by or None})
    if details:
        body["lines"] = [line_dict(line, internal=internal) for line in proposal.lines]
        body["groups"] = groups_of(proposal, internal=internal)
        body["milestones"] = [milestone_dict(proposal, m) for m in proposal.milestones]
        if internal:
            body["changes"] = changes_since_sent(proposal)
    return body


def snapshot(proposal: Proposal) -> dict[str, Any]:
    """What the client saw (JSON-safe): the customer's lines and totals."""
    return _jsonable({"total": money(proposal.total), "lines": [
        {"position": line.position, "description": line.description,
         "item": line.item.sku if line.item else None, "qty": _number(line.qty),
         "price": money(line.price), "discount": _number(line.discount_pct),
         "total": money(line.total_amount), "chosen": line.chosen}
        for line in proposal.lines]})


def changes_since_sent(proposal: Proposal) -> list[dict[str, Any]]:
    """What changed since the version last sent: lines added, removed or changed (by
    item and description), and the total."""
    if not proposal.versions:
        return []
    before = proposal.versions[-1].snapshot
    now = snapshot(proposal)

    def keyed(lines: list[dict[str, Any]]) -> dict[tuple[Any, Any], dict[str, Any]]:
        return {(line["item"], line["description"]): line for line in lines}

    old, new = keyed(before.get("lines", [])), keyed(now["lines"])
    changes: list[dict[str, Any]] = []
    for key in old.keys() - new.keys():
        changes.append({"change": "removed", "item": key[0], "description": key[1]})
    for key in new.keys() - old.keys():
        changes.append({"change": "added", "item": key[0], "description": key[1]})
    for key in old.keys() & new.keys():
        diff = {name: [old[key][name], new[key][name]] for name in
                ("qty", "price", "discount", "total", "chosen")
                if old[key].get(name) != new[key].get(name)}
        if diff:
            changes.append({"change": "changed", "item": key[0], "description": key[1],
                            "fields": diff})
    if before.get("total") != now["total"]:
        changes.append({"change": "total", "fields": {"total": [before.get("total"),
                                                                now["total"]]}})
    return sorted(changes, key=lambda c: (c["change"], str(c.get("description"))))
