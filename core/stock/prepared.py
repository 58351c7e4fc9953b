"""Statements the ledger prepares once per PostgreSQL connection.

A one-line posting sends two multi-statement commands (its reads, then its writes), each
in one round trip with the values bound client side. Sent as plain text, the server
parses and plans every statement of them on every posting, which cost it more than
running them; prepared once per connection and run with ``EXECUTE name(values)`` in the
same commands, a posting is planned never again and still takes two round trips.

Prepared statements belong to the server session and survive rollbacks, so what was
prepared is remembered in ``Connection.info`` (which lives exactly as long as the
driver's connection). psycopg's own automatic preparation is switched off for the
engine (:func:`ordercraft.core.db.make_engine`): it answers a rollback with
``DEALLOCATE ALL``, which would drop these behind our back. After any failed command
the record is no longer trusted: the next command starts with ``DEALLOCATE ALL`` and
prepares again (also the way out when a migration changed a column a statement reads).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sqlalchemy import Connection

_INFO_KEY = "ordercraft.stock.prepared"
_MARK = re.compile(r"%s")


class PreparedCommand:
    """Builds one multi-statement command whose statements run prepared."""

    def __init__(self, connection: Connection) -> None:
        self._state: dict[str, Any] = connection.info.setdefault(
            _INFO_KEY, {"names": set(), "stale": False})
        self._new: dict[str, str] = {}
        self._statements: list[str] = []

    def add(self, sql: str) -> None:
        """Add ``sql`` (``%s`` placeholders, bound when the command is sent)."""
        name = "ordercraft_" + hashlib.sha1(sql.encode()).hexdigest()[:16]
        known = () if self._state["stale"] else self._state["names"]
        if name not in known and name not in self._new:
            numbers = iter(range(1, sql.count("%s") + 1))
            self._new[name] = _MARK.sub(lambda _m: f"${next(numbers)}", sql)
        marks = ", ".join(["%s"] * sql.count("%s"))
        self._statements.append(f"EXECUTE {name}({marks})" if marks else f"EXECUTE {name}")

    def text(self) -> tuple[str, int]:
        """The command (what must be prepared first, then the statements) and the number
        of results that come before the statements' own."""
        head = ["DEALLOCATE ALL"] if self._state["stale"] else []
        head += [f"PREPARE {name} AS {sql}" for name, sql in self._new.items()]
        return ";\n".join(head + self._statements), len(head)

    def succeeded(self) -> None:
        if self._state["stale"]:
            self._state["names"].clear()
            self._state["stale"] = False
        self._state["names"].update(self._new)

    def failed(self) -> None:
        self._state["stale"] = True
