"""What proposals declares to the site: permissions, the role ``approver``'s grant and the
settings (approval thresholds, per role too, validity, numbering, currency)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ordercraft.sdk import ValidationError
from ordercraft.sdk.settings import currency_code


def permissions(registry: Any) -> None:
    registry.permission("proposal.read", "Read proposals",
                        "See proposals, their costs and margins, and product templates.")
    registry.permission("proposal.write", "Make proposals",
                        "Enter and change proposals and product templates; send, accept, "
                        "decline them.")
    registry.permission("proposal.approve", "Approve discounts",
                        "Approve a proposal's discount above the site's threshold.")
    registry.role("approver", "Approves discounts above the threshold on proposals.")
    # The approval arrives as a task: an approver sees and closes it, and reads the
    # proposal's timeline (task.read covers timelines).
    registry.grant("approver", "proposal.read", "proposal.approve", "task.read", "task.write")
    registry.grant("manager", "proposal.read", "proposal.write")
    registry.grant("economist", "proposal.read", "proposal.write")


def _percentage(value: Decimal) -> Decimal:
    if not Decimal(0) <= value <= Decimal(100):
        raise ValidationError(f"{format(value, 'f')!r} is not a percentage from 0 to 100")
    return value


def role_limits(text: str) -> dict[str, Decimal]:
    """``"manager=10, head_of_sales=20"`` -> ``{"manager": 10, "head_of_sales": 20}``
    (the setting ``proposals_discount_limits``); a part that is not ROLE=PERCENT is an
    error naming it."""
    limits: dict[str, Decimal] = {}
    for part in (text or "").replace(";", ",").split(","):
        if not part.strip():
            continue
        role, _, value = part.partition("=")
        try:
            limit = Decimal(value.strip())
        except ArithmeticError:
            limit = Decimal(-1)
        if not role.strip() or not limit.is_finite() or not Decimal(0) <= limit <= Decimal(100):
            raise ValidationError(f"{part.strip()!r} is not ROLE=PERCENT (a percentage "
                                  "from 0 to 100), e.g. manager=10")
        limits[role.strip()] = limit
    return limits


def _limits(value: str) -> str:
    role_limits(value)
    return value


def settings(registry: Any) -> None:
    registry.setting("proposals_discount_approval_pct", "decimal", "10",
                     "Discount needing approval (%)",
                     "A proposal with a line discounted more than this is sent only after a "
                     "user with proposal.approve approved it.", check=_percentage)
    registry.setting("proposals_discount_limits", "str", "",
                     "Discount needing approval, per role",
                     "ROLE=PERCENT pairs (manager=10, head_of_sales=20): a user may send "
                     "discounts up to the highest limit of their roles without approval; "
                     "a user with none of these roles has the site's limit above.",
                     check=_limits)
    registry.setting("proposals_validity_days", "int", "30", "Proposal validity (days)",
                     "A new proposal is valid this many days unless it says otherwise.")
    registry.setting("proposals_number_prefix", "str", "TCP-", "Proposal number prefix",
                     "Proposals are numbered PREFIX00001, ...")
    registry.setting("proposals_currency", "str", None, "Proposal currency",
                     "ISO code of a new proposal's currency; empty: the company's default "
                     "currency.", check=currency_code, follows="default_currency")
