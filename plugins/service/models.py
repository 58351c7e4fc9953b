"""The service plugin's tables: serial-tracked items and their units, complaints (service
requests) with attachments and warranty parts, and knowledge-base articles.

The article search index is the database's own full-text search: an FTS5 table
(``service_articles_fts``, kept by triggers) on SQLite, a GIN index over
``to_tsvector('simple', title || ' ' || tags || ' ' || body)`` on PostgreSQL. Both are
made by the migration and, for the test schema, by the DDL events below; they are listed
in ``Base.metadata.info["derived"]`` so the schema comparison leaves them alone.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    DDL,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ordercraft.sdk.models import Audited, Base, Money, Qty, WorkflowDocument, utcnow

FTS_TABLE = "service_articles_fts"
FTS_INDEX = "ix_service_articles_search"


class ServiceItem(Base):
    """An item's service settings: serial-tracked or not, warranty period in months."""

    __tablename__ = "service_items"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    serial_tracked: Mapped[bool] = mapped_column(Boolean, default=True)
    warranty_months: Mapped[int] = mapped_column(Integer, default=0)


class Serial(Audited, Base):
    """One unit of a serial-tracked item; once shipped it belongs to a client."""

    __tablename__ = "service_serials"
    __audit_entity__ = "serial"
    __table_args__ = (UniqueConstraint("number"),
                      Index("ix_service_serials_party", "party_id"),
                      Index("ix_service_serials_item", "item_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(60))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    #: ``produced`` or ``received``, and the document it came with (``PO-00001``).
    origin: Mapped[str] = mapped_column(String(20), default="received")
    origin_ref: Mapped[str] = mapped_column(String(60), default="")
    made_on: Mapped[date] = mapped_column(Date)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"), default=None)
    order_id: Mapped[int | None] = mapped_column(Integer, default=None)
    shipment_ref: Mapped[str] = mapped_column(String(60), default="")
    shipped_on: Mapped[date | None] = mapped_column(Date, default=None)
    warranty_end: Mapped[date | None] = mapped_column(Date, default=None)


class Complaint(WorkflowDocument, Audited, Base):
    """A complaint or service request of a client (document type ``complaint``)."""

    __tablename__ = "service_complaints"
    __document_type__ = "complaint"
    __audit_entity__ = "complaint"
    __table_args__ = (UniqueConstraint("number"),
                      Index("ix_service_complaints_party", "party_id"),
                      Index("ix_service_complaints_item", "item_id", "opened_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30))
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"))
    order_id: Mapped[int | None] = mapped_column(Integer, default=None)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), default=None)
    serial_id: Mapped[int | None] = mapped_column(ForeignKey("service_serials.id"),
                                                  default=None)
    category: Mapped[str] = mapped_column(String(30))
    priority: Mapped[str] = mapped_column(String(10))
    cause: Mapped[str] = mapped_column(String(60), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    warranty: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    response_due: Mapped[datetime] = mapped_column(DateTime)
    resolution_due: Mapped[datetime] = mapped_column(DateTime)
    responded_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("service_articles.id"),
                                                   default=None)

    serial: Mapped[Serial | None] = relationship(lazy="joined")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="complaint", order_by="Attachment.id", cascade="all, delete-orphan")
    parts: Mapped[list[WarrantyPart]] = relationship(
        back_populates="complaint", order_by="WarrantyPart.id", cascade="all, delete-orphan")


class Attachment(Base):
    """A file attached to a complaint, kept in the database (served only to readers)."""

    __tablename__ = "service_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("service_complaints.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    complaint: Mapped[Complaint] = relationship(back_populates="attachments")


class WarrantyPart(Base):
    """A replacement part issued from stock against a complaint (a warranty repair)."""

    __tablename__ = "service_warranty_parts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("service_complaints.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    qty: Mapped[Decimal] = mapped_column(Qty())
    cost: Mapped[Decimal] = mapped_column(Money())
    stock_document_id: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date] = mapped_column(Date)

    complaint: Mapped[Complaint] = relationship(back_populates="parts")


class Article(Audited, Base):
    """A knowledge-base article."""

    __tablename__ = "service_articles"
    __audit_entity__ = "article"
    __table_args__ = (Index("ix_service_articles_category", "category"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(60), default="")
    #: Space-separated tags.
    tags: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


SQLITE_FTS = [
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, tags, body, "
    "content='service_articles', content_rowid='id')",
    f"CREATE TRIGGER service_articles_ai AFTER INSERT ON service_articles BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, title, tags, body) "
    "VALUES (new.id, new.title, new.tags, new.body); END",
    f"CREATE TRIGGER service_articles_ad AFTER DELETE ON service_articles BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, tags, body) "
    "VALUES ('delete', old.id, old.title, old.tags, old.body); END",
    f"CREATE TRIGGER service_articles_au AFTER UPDATE ON service_articles BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, tags, body) "
    "VALUES ('delete', old.id, old.title, old.tags, old.body); "
    f"INSERT INTO {FTS_TABLE}(rowid, title, tags, body) "
    "VALUES (new.id, new.title, new.tags, new.body); END",
]
#: The PostgreSQL document of an article (the search's query repeats it exactly).
PG_DOCUMENT = "to_tsvector('simple', title || ' ' || tags || ' ' || body)"
PG_FTS = [f"CREATE INDEX {FTS_INDEX} ON service_articles USING gin (({PG_DOCUMENT}))"]

for _statement in SQLITE_FTS:
    event.listen(Article.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in PG_FTS:
    event.listen(Article.__table__, "after_create",
                 DDL(_statement).execute_if(dialect="postgresql"))
#: Tables and indexes the database derives from the models (see the module's docstring).
_derived = Base.metadata.info.setdefault("derived", set())
_derived.update({FTS_TABLE, *(f"{FTS_TABLE}_{s}" for s in ("data", "idx", "docsize", "config")),
                 FTS_INDEX})
