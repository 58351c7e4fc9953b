"""The analyses as the plugin's commands, pages and API call them: over the site's
sales (:mod:`.site`) or over a CSV file (:mod:`.files`), with the engine's refusals
turned into the platform's (a ``ValidationError`` naming the field: exit 2, HTTP 422).

It also offers the service ``classes`` to other plugins (CONTRACTS: ``analysis.classes``)::

    classes = plugin_service(session, "analysis", "classes")
    classes.item_classes(session)      # {item id: "AX", ...}
    classes.client_classes(session)    # {client id: "A", ...}
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from ordercraft.sdk.errors import ValidationError
from ordercraft.sdk.permissions import require_session_permission

from . import abc, matrix, xyz
from .errors import AnalysisError
from .files import LineFile, analyse_file, analyse_lines
from .options import AbcOptions, XyzOptions
from .site import SalesQuery, date_range, site_groups, site_lines

READ = "analysis.read"
#: The analyses whose classes can be saved as a snapshot.
SAVED_KINDS = ("abc", "abcxyz")


@contextmanager
def refusals() -> Iterator[None]:
    """The engine's ``AnalysisError`` raised inside as the platform's ``ValidationError``
    (same code, field, message and details)."""
    try:
        yield
    except AnalysisError as exc:
        raise ValidationError(exc.message, code=exc.code, field=exc.field,
                              details=exc.details) from None


def sales_query(*, period: str | None = None, date_from: date | None = None,
                date_to: date | None = None, measure: str = "revenue", by: str = "item",
                bucket: str = "month", group: str | None = None,
                today: date | None = None) -> SalesQuery:
    """The query of the site's sales a command or a request asks for, checked."""
    with refusals():
        start, end = date_range(period, date_from, date_to, today=today)
        return SalesQuery(start, end, measure=measure, by=by, bucket=bucket, group=group)


def site_analysis(session: Any, kind: str, query: SalesQuery, **options: Any) -> dict[str, Any]:
    """The JSON document of analysis ``kind`` over the site's sales selected by ``query``
    (options as :func:`~.files.analyse_file`'s), with the range analysed."""
    require_session_permission(session, READ)
    with refusals():
        if query.group is None:
            document = analyse_lines(kind, lambda: site_lines(session, query,
                                                              with_periods=kind != "abc"),
                                     **options)
        else:
            document = _grouped(session, kind, query, options)
    return {**document, "source": query_document(query)}


def _grouped(session: Any, kind: str, query: SalesQuery,
             options: dict[str, Any]) -> dict[str, Any]:
    """``{"ok": true, "groups": [{"group", ...the analysis of its objects}]}``: each
    group's objects classed among themselves (options checked once, before the query)."""
    groups: dict[str, LineFile] = {}

    def read_all() -> LineFile:
        groups.update(site_groups(session, query, with_periods=kind != "abc"))
        return next(iter(groups.values()), LineFile((), {}, {}))

    first = analyse_lines(kind, read_all, **options)
    found = []
    for number, (group, lines) in enumerate(groups.items()):
        document = first if number == 0 else analyse_lines(kind, lambda lines=lines: lines,
                                                           **options)
        found.append({"group": group, **{name: value for name, value in document.items()
                                         if name != "ok"}})
    return {"ok": True, "group_by": query.group, "groups": found}


def file_analysis(kind: str, path: str | Path, **options: Any) -> dict[str, Any]:
    """The JSON document of analysis ``kind`` over the CSV file at ``path``."""
    with refusals():
        return analyse_file(kind, path, **options)


def query_document(query: SalesQuery) -> dict[str, Any]:
    return {"sales": "shipped", "measure": query.measure, "by": query.by,
            "from": query.date_from.isoformat(), "to": query.date_to.isoformat(),
            "bucket": query.bucket, **({"group": query.group} if query.group else {})}


class ClassService:
    """ABC-XYZ classes of the site's items and ABC classes of its clients: the classes
    other plugins (purchasing's ABC route, client groups) read. From the latest saved
    snapshot (``ordercraft analysis abcxyz --save``) when there is one and ``on`` is not
    given; else computed by revenue of the 12 whole months before ``on``'s month (default
    limits)."""

    def item_classes(self, session: Any, *, on: date | None = None) -> dict[int, str]:
        """``{item id: "AX", ...}`` for every item sold in the 12 whole months before the
        month of ``on`` (default today); an item whose series cannot be classed by XYZ
        has its ABC letter alone (``"A"``)."""
        from .snapshots import saved_classes

        saved = saved_classes(session, "item") if on is None else None
        if saved is not None:
            return saved
        query = sales_query(today=on)
        with refusals():
            lines = site_lines(session, query, with_periods=True, by_id=True)
            if not lines.totals:
                return {}
            values = abc.analyse(lines.totals, AbcOptions())
            stability = xyz.analyse(lines.series(), periods=lines.periods,
                                    options=XyzOptions(), aggregate_by=1)
            cells = matrix.combine(values, stability)
        return {int(item.key): (item.abc_class or "") + (item.xyz_class or "")
                for item in cells.items if item.abc_class}

    def client_classes(self, session: Any, *, on: date | None = None) -> dict[int, str]:
        """``{client id: "A", ...}`` for every client who bought in the same range."""
        from .snapshots import saved_classes

        saved = saved_classes(session, "client") if on is None else None
        if saved is not None:
            return saved
        query = sales_query(by="client", today=on)
        with refusals():
            lines = site_lines(session, query, with_periods=False, by_id=True)
            if not lines.totals:
                return {}
            values = abc.analyse(lines.totals, AbcOptions())
        return {int(item.key): item.abc_class for item in values.items if item.abc_class}


CLASSES = ClassService()

