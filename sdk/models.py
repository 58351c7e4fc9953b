"""Tables of a plugin, and the core's tables it may read and point at.

A plugin's model derives from :class:`Base` (one metadata for the whole site; the table
belongs to the plugin's own migration branch because its class lives in the plugin's
package). Money and quantities are exact decimals on SQLite and PostgreSQL alike: use
:func:`Money` and :func:`Qty` (an :class:`ExactDecimal`), never ``Float`` or a bare
``Numeric``. :class:`Audited` rows have their creations, changes and deletions in the
audit log; a :class:`WorkflowDocument` has a state moved by its state machine
(``ordercraft.sdk.workflow``)::

    from sqlalchemy import ForeignKey, String
    from sqlalchemy.orm import Mapped, mapped_column

    from ordercraft.sdk.models import Audited, Base, Money, utcnow

    class Invoice(Audited, Base):
        __tablename__ = "billing_invoices"       # named after the plugin
        __audit_entity__ = "invoice"
        id: Mapped[int] = mapped_column(primary_key=True)
        party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
        total: Mapped[Decimal] = mapped_column(Money())
        issued_at: Mapped[datetime] = mapped_column(default=utcnow)

The core's entities are read through their services (``ordercraft.sdk.parties``,
``items``, ``warehouses``, ``users``) wherever a service exists; the classes below are for
queries of your own (``select(Party.id).where(...)``) and foreign keys. Times are naive
UTC (:func:`utcnow`).
"""

from ordercraft.core.db import Base, utcnow
from ordercraft.core.models import (
                                    AuditEntry,
                                    Contact,
                                    Item,
                                    LegalEntity,
                                    Party,
                                    PartyTag,
                                    Role,
                                    SiteSetting,
                                    User,
                                    Warehouse,
)
from ordercraft.core.models.audit import Audited
from ordercraft.core.models.entities import ITEM_KINDS, PARTY_KINDS, VALUATIONS
from ordercraft.core.types import MONEY_SCALE, QTY_SCALE, ExactDecimal, Money, Qty, to_decimal
from ordercraft.core.workflow.documents import WorkflowDocument

__all__ = ["AuditEntry", "Audited", "Base", "Contact", "ExactDecimal", "ITEM_KINDS", "Item",
           "LegalEntity", "MONEY_SCALE", "Money", "PARTY_KINDS", "Party", "PartyTag", "QTY_SCALE",
           "Qty", "Role", "SiteSetting", "User", "VALUATIONS", "Warehouse", "WorkflowDocument",
           "to_decimal", "utcnow"]
