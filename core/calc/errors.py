"""Errors of the calculator runtime: a stable ``code``, a message and the script line.

Every way a calculator can fail (its file format, a forbidden construct, an
exception in the script, a limit, a crashed worker) ends as a
:class:`CalculatorError`; nothing else leaves the runtime.
"""

from __future__ import annotations

from typing import Any

from ordercraft.core.errors import OrdercraftError

#: Longest error message that crosses from a worker or reaches a user.
MAX_MESSAGE = 500


def clip(text: str, limit: int = MAX_MESSAGE) -> str:
    """The text cut to ``limit`` characters (with an ellipsis when cut)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CalculatorError(OrdercraftError):
    """A calculator could not be read, refused to run, or failed while running.

    ``code`` is one of: ``format`` (the file breaks the calculator format), ``syntax``,
    ``forbidden`` (a construct or access the sandbox does not allow), ``script_error``
    (the script raised), ``unknown_sku``, ``invalid_result``, ``timeout``, ``cpu_limit``,
    ``memory_limit``, ``output_limit``, ``result_limit``, ``too_large``, ``worker_crashed``,
    ``not_found``, ``busy``.
    """

    code = "calculator_error"
    http_status = 422

    def __init__(self, message: str, *, code: str | None = None, line: int | None = None,
                 field: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(clip(message), code=code, field=field, details=details)
        self.line = line

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        body["line"] = self.line
        return body


class CalculatorNotFound(CalculatorError):
    code = "not_found"
    http_status = 404


class CalculatorSettingError(CalculatorError):
    """An ``ORDERCRAFT_CALC_*`` variable holds a value the calculators cannot use: the
    server's configuration is wrong, not the request."""

    code = "configuration"
    http_status = 500


class CalculatorBusy(CalculatorError):
    """The run could not start before the queue's deadline: every worker was busy, or the
    user already had as many runs in progress as one user may. Nothing ran; try again."""

    code = "busy"
    http_status = 429
    #: Seconds a client is told to wait before trying again (``Retry-After``).
    retry_after = 2
