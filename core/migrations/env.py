"""Alembic environment: runs on the connection the platform hands over."""

from __future__ import annotations

from alembic import context

from ordercraft.core.db import Base

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


context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_object=include_object,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=False,
)

with context.begin_transaction():
    context.run_migrations()
