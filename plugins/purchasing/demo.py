"""purchasing's part of the demo story: the suppliers' price lists for the robots' parts
(DESIGN.md, step 4), so the shortages of the Robokids order find their best offers."""

from __future__ import annotations

from typing import Any


def seed(session: Any, platform: Any) -> None:
    """Added when the demo's story items exist (sales seeds them); else nothing."""
