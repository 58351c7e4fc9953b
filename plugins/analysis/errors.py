"""The engine's one error: bad input or parameters, told so the user can fix them."""

from __future__ import annotations

from typing import Any


class AnalysisError(Exception):
    """Input the analyses refuse: a bad option, a bad row of a file, nothing to analyse.

    Shaped like the platform's domain errors so a caller translates it one to one:
    a stable ``code`` (``invalid``, ``empty``, ``zero_total``), the ``field`` at fault
    (an option such as ``a`` or ``boundary``, a file column such as ``value``, or
    ``file``), a ``message`` naming that field and the value, and ``details`` (the
    ``row`` and ``column`` of a file, the ``key`` of an object).
    """

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body

    def __str__(self) -> str:
        return self.message
