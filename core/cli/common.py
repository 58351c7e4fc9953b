"""What every command shares: the site, ``--json`` output and error reporting."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from ordercraft.core.platform import Platform

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class CliState:
    database_url: str | None = None
    _platform: Platform | None = None
    plugin_commands: dict[str, click.Command] | None = None
    #: False only for ``ordercraft plugins``: it must work on a site whose plugins
    #: cannot all load, to repair it (see ``Platform(strict=...)``).
    strict_plugins: bool = True

    @property
    def platform(self) -> Platform:
        if self._platform is None:
            from ordercraft.core.platform import Platform

            self._platform = Platform(self.database_url, strict=self.strict_plugins)
        return self._platform

    @platform.setter
    def platform(self, value: Platform) -> None:
        self._platform = value


def wants_json(argv: list[str]) -> bool:
    return "--json" in argv


def json_option(function: F) -> F:
    """``--json``: print one JSON document instead of text."""
    return click.option("--json", "as_json", is_flag=True,
                        help="Print machine-readable JSON.")(function)


def current_platform() -> Platform:
    return click.get_current_context().ensure_object(CliState).platform


def ready_platform(*, start: bool = True) -> Platform:
    """The site, which must exist (``ordercraft init``) and be at the current schema.

    ``start`` runs the plugins' ``startup`` hooks (``ordercraft plugins`` does not, so
    that it can repair a site whose plugin fails at start-up).
    """
    from ordercraft.core.errors import DatabaseMissing
    from ordercraft.core.schema import is_initialised

    platform = current_platform()
    if not is_initialised(platform):
        raise DatabaseMissing(
            f"no Ordercraft site at {display_url(platform.database_url)}: run "
            "'ordercraft init' first (or pass --db URL)")
    if start:
        platform.start()
    return platform


def display_url(url: str) -> str:
    """The URL without its password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}@{host}"
    return url


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(document: Any) -> str:
    return json.dumps(document, default=_default, ensure_ascii=False, indent=2)


def emit(as_json: bool, document: Any, text: str | Callable[[], str] | None = None) -> None:
    """Print the JSON document, or the human-readable text."""
    if as_json:
        click.echo(dumps(document))
    elif text is not None:
        click.echo(text() if callable(text) else text)


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A plain aligned text table."""
    if not rows:
        return "(none)"
    cells = [[str(c) for c in columns]] + [
        ["" if row.get(c) is None else str(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = ["  ".join(v.ljust(widths[i]) for i, v in enumerate(r)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report_error(exc: BaseException, *, json_output: bool, debug: bool = False) -> int:
    """Print an error the way the CLI promises; return the exit code (2 user, 1 fault)."""
    from ordercraft.core.errors import OrdercraftError, PluginFault

    if isinstance(exc, OrdercraftError):
        body, code = exc.to_dict(), 2
    elif isinstance(exc, PluginFault):
        # A plugin's bug: an internal fault, reported with the plugin and hook it names.
        body, code = exc.to_dict(), 1
        if debug:
            import traceback

            traceback.print_exception(exc)
    elif isinstance(exc, click.ClickException):
        body, code = {"code": "usage", "message": exc.format_message()}, 2
    else:
        user_fault = _database_unreachable(exc)
        if _disk_full(exc):
            from ordercraft.core.db import DISK_FULL_MESSAGE

            body, code = {"code": "disk_full", "message": DISK_FULL_MESSAGE}, 2
        elif user_fault:
            body, code = {"code": "database_unreachable", "message": user_fault}, 2
        else:
            body = {"code": "internal", "message": f"internal error: {type(exc).__name__}: {exc}"}
            code = 1
            if debug:
                import traceback

                traceback.print_exception(exc)
    if json_output:
        click.echo(json.dumps({"ok": False, "error": body}, ensure_ascii=False))
    else:
        click.echo(f"error: {body['message']}", err=True)
    return code


def _disk_full(exc: BaseException) -> bool:
    if "sqlalchemy" not in sys.modules:
        return isinstance(exc, OSError) and "No space left" in str(exc)
    from ordercraft.core.db import disk_full

    return disk_full(exc)


def _database_unreachable(exc: BaseException) -> str | None:
    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy.exc import ArgumentError, OperationalError

    if isinstance(exc, OperationalError):
        return f"cannot open the database: {str(exc.orig).strip()}"
    if isinstance(exc, ArgumentError):
        return f"bad database URL: {exc}"
    return None


class ProgressBar:
    """``progress(done, total)`` for a long import: a bar on the terminal's standard error
    (``[#######-----]  450/1000 rows  120 rows/s  5 s left``), redrawn in place. Quiet
    when standard error is not a terminal or the command answers ``--json``."""

    WIDTH = 30

    def __init__(self, label: str, *, quiet: bool = False, stream: Any = None) -> None:
        import time

        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = not quiet and bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = time.monotonic()
        self.drawn = False

    def line(self, done: int, total: int, elapsed: float) -> str:
        filled = int(self.WIDTH * done / total) if total else self.WIDTH
        rate = done / elapsed if elapsed > 0 else 0.0
        left = f"  {int((total - done) / rate)} s left" if rate and done < total else ""
        return (f"{self.label} [{'#' * filled}{'-' * (self.WIDTH - filled)}] "
                f"{done}/{total} rows  {rate:.0f} rows/s{left}")

    def __call__(self, done: int, total: int) -> None:
        import time

        if not self.enabled:
            return
        self.stream.write("\r" + self.line(done, total, time.monotonic() - self.started))
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
