"""Record numbers typed by people and programs: a number too large for the database's
integer columns names no record (rather than failing in the driver)."""

from __future__ import annotations

from typing import Any

from ordercraft.sdk import validation
from ordercraft.sdk.errors import NotFound

#: The largest id an integer column holds on every supported database.
MAX_ID = 2_147_483_647


def is_number(ref: Any) -> bool:
    return isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit())


def record_id(value: Any, *, field: str, what: str) -> int:
    """``value`` as an id; :class:`NotFound` (naming ``what``) when it cannot exist."""
    number = validation.whole_number(value, field=field, minimum=1)
    if number > MAX_ID:
        raise NotFound(f"{what} {number} does not exist", field=field)
    return number
