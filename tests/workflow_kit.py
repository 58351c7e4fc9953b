"""Document types for the workflow tests: an order and a deal shaped like the sales and
crm plugins', so that the engine is tested without them. Their tables live on a metadata
of their own, created by the plugin's ``startup`` hook, so that the core's schema stays
the core's.

Test files ``import workflow_kit as kit`` (the tests folder is on ``sys.path`` through
pytest's ``pythonpath`` setting).
"""

from __future__ import annotations

import types
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ordercraft.core.db import NAMING_CONVENTION
from ordercraft.core.models.audit import Audited
from ordercraft.core.types import Money
from ordercraft.core.workflow.documents import WorkflowDocument
from ordercraft.core.workflow.machines import State, StateMachine, Transition
from ordercraft.sdk import hookimpl

T0 = datetime(2024, 3, 4, 9, 0)  # a Monday, 09:00 UTC

#: The sales plugin's process template, shipped here by the kit's stand-in for sales.
ROBOT_TEMPLATE = (Path(__file__).resolve().parents[1] / "plugins" / "sales" / "process_templates"
                  / "custom-robot-order.yaml")


class KitBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Order(WorkflowDocument, Audited, KitBase):
    __tablename__ = "kit_orders"
    __document_type__ = "order"
    __audit_entity__ = "order"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20))
    manager_id: Mapped[int | None] = mapped_column(Integer, default=None)
    total: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    custom_count: Mapped[int] = mapped_column(Integer, default=0)
    shortage_count: Mapped[int] = mapped_column(Integer, default=0)
    client_tag: Mapped[str] = mapped_column(String(20), default="")
    lost_reason: Mapped[str] = mapped_column(String(200), default="")

    @property
    def has_shortages(self) -> bool:
        return self.shortage_count > 0


class Deal(WorkflowDocument, KitBase):
    __tablename__ = "kit_deals"
    __document_type__ = "deal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    lost_reason: Mapped[str] = mapped_column(String(200), default="")


def record_lost_reason(ctx: Any) -> None:
    ctx.document.lost_reason = ctx.reason


ORDER_STATES = [State("draft", initial=True), State("confirmed"), State("reserved"),
                State("in_production", label="in production"), State("shipped"),
                State("invoiced"), State("paid"), State("closed", final=True),
                State("cancelled", final=True)]


def order_machine(**overrides: Any) -> StateMachine:
    transitions = [
        Transition("confirm", "draft", "confirmed", condition="total > 0", style="primary"),
        Transition("reserve", ["confirmed", "in_production"], "reserved"),
        Transition("start_production", ["confirmed", "reserved"], "in_production"),
        Transition("ship", ["confirmed", "reserved", "in_production"], "shipped"),
        Transition("invoice", "shipped", "invoiced", roles=["economist"]),
        Transition("pay", "invoiced", "paid"),
        Transition("close", "paid", "closed"),
        Transition("cancel", "*", "cancelled", requires_reason=True, style="danger",
                   actions=[record_lost_reason]),
    ]
    values = dict(document_type="order", model=Order, states=ORDER_STATES,
                  transitions=transitions, fields=["has_shortages"], title_field="number")
    values.update(overrides)
    return StateMachine(**values)


def deal_machine() -> StateMachine:
    open_stages = ["lead", "qualified", "proposal", "negotiation"]
    return StateMachine(
        document_type="deal", model=Deal, title_field="title",
        states=[State("lead", initial=True), State("qualified"), State("proposal"),
                State("negotiation"), State("won", final=True), State("lost", final=True)],
        transitions=[Transition("qualify", "lead", "qualified"),
                     Transition("propose", "qualified", "proposal"),
                     Transition("negotiate", "proposal", "negotiation"),
                     Transition("win", ["proposal", "negotiation"], "won", style="primary"),
                     Transition("lose", open_stages, "lost", requires_reason=True,
                                style="danger", actions=[record_lost_reason])])


def documents_plugin(name: str = "kitdocs", machines: Any = None, **hooks: Any) -> types.ModuleType:
    """A plugin registering the order and deal machines (or ``machines()``'s), creating
    their tables at start-up and shipping the sales plugin's ``custom-robot-order`` process
    template (as sales does), plus any other ``hooks`` given as functions."""
    module = types.ModuleType(name)
    hooks.setdefault("process_templates", lambda: [str(ROBOT_TEMPLATE)])

    def register_state_machines(registry: Any) -> None:
        for machine in (machines() if machines else [order_machine(), deal_machine()]):
            registry.add(machine)

    def startup(platform: Any) -> None:
        KitBase.metadata.create_all(platform.engine)

    module.register_state_machines = hookimpl(register_state_machines)
    module.startup = hookimpl(startup)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, hookimpl(function))
    return module


def plugin_module(name: str, **hooks: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, hookimpl(function))
    return module


def add_staff(site: Any, *, with_passwords: tuple[str, ...] = ()) -> dict[str, Any]:
    """The robot workshop's people: two economists, two managers (sales and purchasing),
    an engineer, a storekeeper, and the director everyone reports to. Only the users in
    ``with_passwords`` get one ("password-1"): hashing costs a quarter of a second."""
    from ordercraft.core.services.users import create_user

    def password(name: str) -> str | None:
        return "password-1" if name in with_passwords else None

    people = {}
    with site.session() as session:
        people["director"] = create_user(session, "director", roles=["manager"],
                                         password=password("director"))
        for name, role in [("eva", "economist"), ("emil", "economist"), ("mark", "manager"),
                           ("paula", "manager"), ("egor", "engineer"),
                           ("stas", "storekeeper")]:
            people[name] = create_user(session, name, roles=[role], password=password(name),
                                       manager="director")
    return {name: user.id for name, user in people.items()}


def new_order(site: Any, number: str = "SO-1", **values: Any) -> int:
    with site.session() as session:
        order = Order(number=number, **{"total": Decimal("100"), **values})
        session.add(order)
        session.flush()
        return order.id


def at(hours: float = 0, days: float = 0) -> datetime:
    return T0 + timedelta(hours=hours, days=days)
