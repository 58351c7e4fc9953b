"""Alembic environment: runs on the connection the platform hands over."""

from __future__ import annotations

from alembic import context

from ordercraft.core.db import Base
from ordercraft.core.types import ExactDecimal

config = context.config
connection = config.attributes["connection"]
#: When generating a revision for one branch (``core`` or a plugin), only that owner's
#: tables are compared, so a plugin's revision never touches the core's tables.
owner = config.attributes.get("owner")


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001
    if owner is None:
        return True
    table = obj if type_ == "table" else getattr(obj, "table", None)
    if table is None:
        return True
    if reflected and compare_to is None:
        # A table in the database but not in the metadata: ours only if named like ours.
        return False
    return table.info.get("owner", "core") == owner


#: Where a revision finds the exact decimal column type: a plugin's revisions name it
#: through the SDK (plugins import nothing else of Ordercraft), the core's directly.
TYPES_MODULE = "ordercraft.core.types" if owner in (None, "core") else "ordercraft.sdk.models"


def render_item(type_, obj, autogen_context):  # noqa: ANN001, ANN201
    """``ExactDecimal`` columns as ``<TYPES_MODULE>.ExactDecimal(...)``, with the precision
    and scale that differ from the defaults; anything else as Alembic renders it."""
    if type_ != "type" or not isinstance(obj, ExactDecimal):
        return False
    autogen_context.imports.add(f"import {TYPES_MODULE}")
    defaults = ExactDecimal()
    arguments = ", ".join(f"{name}={getattr(obj, name)!r}" for name in ("precision", "scale")
                          if getattr(obj, name) != getattr(defaults, name))
    return f"{TYPES_MODULE}.ExactDecimal({arguments})"


context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_object=include_object,
    render_item=render_item,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=False,
)

with context.begin_transaction():
    context.run_migrations()
