"""Calculators kept in the site: uploaded scripts (versioned by content) and stored runs.

Services in the usual style: they take a session, check the acting user's
permission and raise domain errors. An upload is read and compiled in a worker
first, so a script that does not load is never stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ordercraft.core.calc.catalog import LookupCatalog, StaticCatalog
from ordercraft.core.calc.errors import CalculatorError
from ordercraft.core.calc.format import CalculatorSpec
from ordercraft.core.calc.registry import (
    CALCULATOR_NAME,
    CalculatorSource,
    name_from_path,
    source_version,
)
from ordercraft.core.calc.result import CalcResult
from ordercraft.core.errors import NotFound, ValidationError
from ordercraft.core.models.calc import CalcRun, CalcScript
from ordercraft.core.permissions import require_session_permission

if TYPE_CHECKING:
    from ordercraft.core.calc.worker import WorkerPool
    from ordercraft.core.platform import Platform

MAX_VERSIONS_LISTED = 200


def _source(row: CalcScript) -> CalculatorSource:
    from ordercraft.core.calc.api import remember_spec

    remember_spec(row.version, CalculatorSpec.from_dict(row.spec))
    return CalculatorSource(name=row.name, source=row.source, origin=row.origin,
                            version=row.version, uploaded_by=row.uploaded_by_name or None,
                            uploaded_at=row.uploaded_at)


def _site_rows(name: str) -> Any:
    return (select(CalcScript).where(CalcScript.name == name, CalcScript.origin == "site")
            .order_by(CalcScript.uploaded_at.desc(), CalcScript.id.desc()))


def find_script(session: Session, name: str, version: str | None = None
                ) -> CalculatorSource | None:
    """The site's script ``name`` (latest version, or the version starting with ``version``;
    a version of any origin kept for a stored run is found that way too)."""
    if version is None:
        row = session.scalars(_site_rows(name).limit(1)).first()
        return _source(row) if row is not None else None
    if len(version) < 8 or len(version) > 64:
        raise ValidationError("version: give at least the first 8 characters of the hash",
                              field="version")
    rows = list(session.scalars(
        select(CalcScript).where(CalcScript.name == name,
                                 CalcScript.version.startswith(version.lower(), autoescape=True))
        .limit(2)))
    if len(rows) > 1:
        raise ValidationError(f"version: {version!r} matches several versions of {name!r}; "
                              "give more characters", field="version")
    return _source(rows[0]) if rows else None


def latest_scripts(session: Session) -> list[CalculatorSource]:
    """The latest version of every script uploaded to the site."""
    latest: dict[str, CalcScript] = {}
    rows = session.scalars(select(CalcScript).where(CalcScript.origin == "site")
                           .order_by(CalcScript.name, CalcScript.uploaded_at.desc(),
                                     CalcScript.id.desc()))
    for row in rows:
        latest.setdefault(row.name, row)
    return [_source(row) for row in latest.values()]


def script_versions(session: Session, name: str) -> list[dict[str, Any]]:
    """The uploaded versions of ``name``, newest first."""
    rows = session.scalars(_site_rows(name).limit(MAX_VERSIONS_LISTED))
    return [{"version": row.version, "title": row.title,
             "uploaded_by": row.uploaded_by_name or None,
             "uploaded_at": row.uploaded_at.isoformat(timespec="seconds")} for row in rows]


def add_script(session: Session, source: str, *, name: str | None = None,
               filename: str | None = None, pool: WorkerPool | None = None
               ) -> tuple[CalculatorSource, bool]:
    """Store a calculator script as a new version of ``name`` (default: the file's name).

    Returns the stored version and whether it is new (the same text uploaded again
    is the same version). Needs the permission ``calc.upload``.
    """
    from ordercraft.core.calc.api import describe, run_owner

    require_session_permission(session, "calc.upload")
    name = name or (name_from_path(filename) if filename else None)
    if not name or not CALCULATOR_NAME.match(name):
        raise ValidationError(f"name: {name!r} is not a calculator name (lower-case letters, "
                              "digits, '-' and '_', starting with a letter)", field="name")
    version = source_version(source)
    existing = session.scalars(select(CalcScript).where(
        CalcScript.name == name, CalcScript.version == version)).first()
    if existing is not None and existing.origin == "site":
        return _source(existing), False
    candidate = CalculatorSource(name=name, source=source, origin="site")
    spec = describe(candidate, pool=pool, owner=run_owner(session))
    user = session.info.get("user")
    if existing is None:
        existing = CalcScript(name=name, version=version, source=source)
        session.add(existing)
    # A version kept for a stored run that is now uploaded becomes the site's.
    existing.origin = "site"
    existing.kind = spec.kind
    existing.title = spec.title
    existing.spec = spec.to_dict()
    existing.uploaded_by_id = getattr(user, "id", None)
    existing.uploaded_by_name = getattr(user, "name", "") or ""
    session.flush()
    return _source(existing), True


def _archive(session: Session, source: CalculatorSource, spec: CalculatorSpec) -> None:
    """Keep the exact source of a run's calculator (once per name and version)."""
    exists = session.scalar(select(CalcScript.id).where(
        CalcScript.name == source.name, CalcScript.version == source.version))
    if exists is None:
        session.add(CalcScript(name=source.name, version=source.version, origin=source.origin,
                               kind=spec.kind, title=spec.title, source=source.source,
                               spec=spec.to_dict()))
        session.flush()


def save_run(session: Session, result: CalcResult, source: CalculatorSource) -> CalcResult:
    """Store a run: script version (its source kept), inputs, catalog entries, outputs."""
    from dataclasses import replace

    from ordercraft.core.calc.api import describe, plain_params

    require_session_permission(session, "calc.run")
    _archive(session, source, describe(source))
    user = session.info.get("user")
    run = CalcRun(calculator=result.calculator, version=result.version,
                  params=plain_params(result.params), catalog=result.catalog,
                  result={}, total=result.total, created_by_id=getattr(user, "id", None),
                  created_by_name=getattr(user, "name", "") or "")
    session.add(run)
    session.flush()
    stored = replace(result, run_id=run.id)
    run.result = stored.to_dict()
    session.flush()
    return stored


def get_run(session: Session, run_id: int) -> CalcRun:
    run = session.get(CalcRun, run_id)
    if run is None:
        raise NotFound(f"no stored calculator run {run_id}", field="run")
    return run


def stored_run(session: Session, run_id: Any) -> dict[str, Any]:
    """A kept run's result as ``CalcResult.to_dict()`` made it (``calculator``,
    ``version``, ``params``, ``total``, ``lines``, ``catalog``, ``run_id``...), for a
    document line priced by it (needs ``calc.run``). ``run_id`` that is not a kept run's
    id: :class:`NotFound` naming the field ``run``."""
    require_session_permission(session, "calc.run")
    text = str(run_id).strip() if run_id is not None else ""
    if not text.isdigit() or len(text) > 10 or int(text) > 2**31 - 1:
        raise NotFound(f"run: {text[:40]!r} is not a kept calculator run", field="run")
    found = get_run(session, int(text))
    return {**found.result, "run_id": found.id}


def run_dict(run: CalcRun) -> dict[str, Any]:
    return {"id": run.id, "calculator": run.calculator, "version": run.version,
            "params": run.params, "total": format(run.total.quantize(Decimal("0.01")), "f"),
            "created_by": run.created_by_name or None,
            "created_at": run.created_at.isoformat(timespec="seconds"),
            "result": run.result}


def list_runs(session: Session, calculator: str | None = None, *, limit: int = 50,
              before_id: int | None = None) -> list[CalcRun]:
    """Stored runs, newest first; page with ``before_id``."""
    query = select(CalcRun).order_by(CalcRun.id.desc()).limit(min(max(limit, 1), 500))
    if calculator:
        query = query.where(CalcRun.calculator == calculator)
    if before_id is not None:
        query = query.where(CalcRun.id < before_id)
    return list(session.scalars(query))


_COMPARED = ("total", "lines", "details", "notes", "formulas")


def reproduce_run(session: Session, run_id: int, *, pool: WorkerPool | None = None
                  ) -> tuple[CalcResult, list[str]]:
    """Run a stored run again: the same script version, inputs and catalog entries.

    Returns the new result and the names of the parts that differ from the stored
    one (empty when the price is reproduced exactly).
    """
    from ordercraft.core.calc.api import run_calculator

    run = get_run(session, run_id)
    row = session.scalars(select(CalcScript).where(
        CalcScript.name == run.calculator, CalcScript.version == run.version)).first()
    if row is None:
        raise CalculatorError(f"the script version {run.version[:12]} of run {run_id} is not "
                              "kept in the site", code="not_found")
    catalog = StaticCatalog(run.catalog or {})
    result = run_calculator(_source(row), run.params, catalog=catalog, session=session,
                            pool=pool)
    fresh = result.to_dict()
    differences = [key for key in _COMPARED if fresh.get(key) != run.result.get(key)]
    return result, differences


# --------------------------------------------------------------------------- the site catalog


def catalog_lookup(session: Session, platform: Platform, skus: list[str]
                   ) -> dict[str, Mapping[str, Any]]:
    """Entries for ``skus``: plugin sources first (hook ``catalog_lookup``), then the items
    table (active items, list price)."""
    from ordercraft.core.models import Item

    wanted = [sku for sku in dict.fromkeys(skus) if isinstance(sku, str)]
    found: dict[str, Mapping[str, Any]] = {}
    for plugin_name, entries in platform.hooks.catalog_lookup(session, wanted):
        if not isinstance(entries, Mapping):
            continue
        for sku, entry in entries.items():
            if sku in wanted and sku not in found and isinstance(entry, Mapping):
                found[sku] = {**entry, "source": entry.get("source") or f"plugin:{plugin_name}"}
    missing = [sku for sku in wanted if sku not in found]
    if missing:
        items = session.scalars(select(Item).where(Item.sku.in_(missing), Item.active.is_(True)))
        for item in items:
            found[item.sku] = {"name": item.name, "unit": item.unit, "kind": item.kind,
                               "price": item.price if item.price is not None else Decimal(0),
                               "attributes": item.attributes or {}, "source": "items"}
    return found


def site_catalog(session: Session, platform: Platform) -> LookupCatalog:
    return LookupCatalog(lambda skus: catalog_lookup(session, platform, skus))
