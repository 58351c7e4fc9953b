"""Running calculators: what the CLI, the web app and the SDK (``ordercraft.sdk.calc``) call.

::

    from ordercraft.sdk import calc

    result = calc.run_calculator("door", {"height": 2100, "material": "oak"},
                                 catalog=calc.example_catalog())
    result.total            # Decimal("...")
    [line.to_dict() for line in result.lines]

``name_or_path`` is a calculator's name (a site script, a plugin's, or a bundled
example) or the path of a ``.py`` file; ``files=False`` accepts names only (the web app
and the API: over HTTP a calculator is named, never a path). With ``platform=`` the
site's scripts and catalog are used (plugin catalog sources first, then the items
table), and the run can be stored (``save=True``) with its script version, inputs,
catalog entries and outputs. With a ``session`` the run counts against its user's
share of the workers. Every failure is a
:class:`~ordercraft.core.calc.errors.CalculatorError` (or a
:class:`~ordercraft.core.errors.ValidationError` naming the parameter).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ordercraft.core.calc.catalog import LookupCatalog, StaticCatalog, as_catalog, example_catalog
from ordercraft.core.calc.errors import CalculatorBusy, CalculatorError, CalculatorNotFound
from ordercraft.core.calc.format import CalculatorSpec
from ordercraft.core.calc.registry import (
    CALCULATOR_NAME,
    CalculatorSource,
    builtin_registry,
    name_from_path,
    platform_registry,
    read_source_file,
)
from ordercraft.core.calc.result import CalcResult
from ordercraft.core.calc.worker import Limits, WorkerPool, default_pool

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ordercraft.core.platform import Platform

__all__ = [
    "CalcResult", "CalculatorBusy", "CalculatorError", "CalculatorInfo", "CalculatorSource",
    "Limits", "LookupCatalog", "StaticCatalog", "WorkerPool", "calculator_info", "describe",
    "example_catalog", "find_calculator", "list_calculators", "run_calculator",
]

_SPEC_CACHE = 256
_specs: OrderedDict[str, CalculatorSpec] = OrderedDict()
_specs_lock = threading.Lock()


def describe(source: CalculatorSource, *, pool: WorkerPool | None = None,
             owner: Hashable | None = None) -> CalculatorSpec:
    """What a calculator declares, read in a worker (never in this process, and as
    ``owner``'s request) and cached by version."""
    with _specs_lock:
        spec = _specs.get(source.version)
        if spec is not None:
            _specs.move_to_end(source.version)
            return spec
    version, data = (pool or default_pool()).describe(source.source, owner=owner)
    if version != source.version:
        raise CalculatorError("the worker read a different script", code="worker_crashed")
    spec = CalculatorSpec.from_dict(data)
    remember_spec(version, spec)
    return spec


def remember_spec(version: str, spec: CalculatorSpec) -> None:
    """Cache a description already known (a stored script's)."""
    with _specs_lock:
        _specs[version] = spec
        while len(_specs) > _SPEC_CACHE:
            _specs.popitem(last=False)


def is_path(name_or_path: str) -> bool:
    return "/" in name_or_path or "\\" in name_or_path or name_or_path.endswith(".py")


def run_owner(session: Session | None) -> Hashable | None:
    """Whose share of the workers a request counts against: the session's user (``None``
    without one: the process itself, as in the CLI)."""
    user = session.info.get("user") if session is not None else None
    return ("user", user.id) if user is not None else None


@lru_cache(maxsize=1)
def _builtins() -> dict[str, CalculatorSource]:
    return dict(builtin_registry().items())


@contextmanager
def _site_session(platform: Platform | None, session: Session | None) -> Iterator[Any]:
    if session is not None or platform is None:
        yield session
        return
    # A run only reads (the script, the catalog); storing it is a short write of its own.
    with platform.session(writes=False) as own:
        yield own


def find_calculator(name_or_path: str | CalculatorSource, *, platform: Platform | None = None,
                    session: Session | None = None, version: str | None = None,
                    files: bool = True) -> CalculatorSource:
    """The calculator's source: a file path (unless ``files`` is false), a site script
    (its latest version unless ``version`` is given), a plugin's or a bundled example.

    With ``files=False`` (the web app, the API) anything but a calculator's name gets the
    answer any unknown name gets, and nothing on the disk is looked at."""
    if isinstance(name_or_path, CalculatorSource):
        return name_or_path
    if not isinstance(name_or_path, str) or not name_or_path:
        raise CalculatorNotFound("give a calculator name or a .py file", field="name")
    if files and is_path(name_or_path):
        path = Path(name_or_path)
        return CalculatorSource(name=name_from_path(path), source=read_source_file(path),
                                origin="file", path=str(path))
    named = CALCULATOR_NAME.match(name_or_path) is not None
    if not named and files:
        raise CalculatorNotFound(f"{name_or_path[:64]!r} is not a calculator name",
                                 field="name")
    if named and platform is not None:
        from ordercraft.core.calc import store

        with _site_session(platform, session) as active:
            found = store.find_script(active, name_or_path, version)
            if found is not None:
                return found
    registry: Mapping[str, CalculatorSource] = (
        dict(platform_registry(platform).items()) if platform is not None else _builtins())
    source = registry.get(name_or_path) if named else None
    if source is not None and (version is None or source.version.startswith(version)):
        return source
    if named and version is not None:
        raise CalculatorNotFound(f"calculator {name_or_path!r} has no version {version!r}",
                                 field="version")
    known = sorted(registry)
    raise CalculatorNotFound(f"no calculator {name_or_path[:64]!r} (calculators: "
                             f"{', '.join(known) or 'none'})", field="name")


@dataclass(frozen=True)
class CalculatorInfo:
    """A calculator and what it declares."""

    source: CalculatorSource
    spec: CalculatorSpec

    @property
    def name(self) -> str:
        return self.source.name

    def to_dict(self, *, with_source: bool = False) -> dict[str, Any]:
        source = self.source
        body: dict[str, Any] = {"name": source.name, "origin": source.origin,
                                "version": source.version, **self.spec.to_dict()}
        if source.uploaded_by is not None or source.uploaded_at is not None:
            body["uploaded_by"] = source.uploaded_by
            body["uploaded_at"] = (source.uploaded_at.isoformat(timespec="seconds")
                                   if source.uploaded_at else None)
        if with_source:
            body["source"] = source.source
        return body


def calculator_info(name_or_path: str | CalculatorSource, *, platform: Platform | None = None,
                    session: Session | None = None, version: str | None = None,
                    pool: WorkerPool | None = None, files: bool = True) -> CalculatorInfo:
    _check_reader(session)
    source = find_calculator(name_or_path, platform=platform, session=session, version=version,
                             files=files)
    return CalculatorInfo(source, describe(source, pool=pool, owner=run_owner(session)))


def _check_reader(session: Session | None) -> None:
    """Reading calculators is part of running them: the same permission."""
    if session is not None:
        from ordercraft.core.permissions import require_session_permission

        require_session_permission(session, "calc.run")


def list_calculators(*, platform: Platform | None = None, session: Session | None = None,
                     pool: WorkerPool | None = None) -> list[CalculatorInfo]:
    """Every calculator by name: the site's scripts, then plugins' and bundled ones."""
    _check_reader(session)
    sources: dict[str, CalculatorSource] = {}
    if platform is not None:
        from ordercraft.core.calc import store

        with _site_session(platform, session) as active:
            for source in store.latest_scripts(active):
                sources[source.name] = source
        registry = dict(platform_registry(platform).items())
    else:
        registry = _builtins()
    for name, source in registry.items():
        sources.setdefault(name, source)
    owner = run_owner(session)
    return [CalculatorInfo(source, describe(source, pool=pool, owner=owner))
            for _name, source in sorted(sources.items())]


def plain_params(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: format(v, "f") if isinstance(v, Decimal) else v for k, v in values.items()}


def run_calculator(name_or_path: str | CalculatorSource, params: Mapping[str, Any] | None = None,
                   *, catalog: Any = None, platform: Platform | None = None,
                   session: Session | None = None, version: str | None = None,
                   timeout: float | None = None, pool: WorkerPool | None = None,
                   save: bool = False, files: bool = True) -> CalcResult:
    """Validate ``params`` against the calculator's declarations and run it in a worker.

    :param catalog: a ``{sku: {"price": ..., "name": ..., "unit": ...}}`` mapping, a
        :class:`StaticCatalog` or :class:`LookupCatalog`; by default the site's catalog
        when ``platform`` is given, else an empty one.
    :param save: store the run (needs the site): the result's ``run_id`` is set.
    :param files: whether ``name_or_path`` may be a file's path (else a name only).
    """
    if save and platform is None and session is None:
        raise CalculatorError("storing a run needs the site (platform=)", code="not_found")
    options = {"catalog": catalog, "version": version, "timeout": timeout, "pool": pool,
               "files": files}
    if platform is None and session is None:
        return _run(name_or_path, params, platform=None, active=None, save=False, **options)
    with _site_session(platform, session) as active:
        return _run(name_or_path, params, platform=platform, active=active, save=save,
                    **options)


def rerun_posted(platform: Platform, form: Mapping[str, str]) -> CalcResult:
    """Run again, and keep, the calculation a calculator page showed, to price a document
    line by it ("Add to proposal / order"). ``form``: what the section's form posted in
    its hidden fields ``calculator`` (the name), ``version`` (the script version it ran;
    empty: the current one) and ``params`` (the JSON text of its inputs). Bad JSON is a
    ``ValidationError`` naming the field ``params``. Call it outside any transaction: the
    run takes a worker, and is kept in one of its own."""
    import json

    from ordercraft.core.errors import ValidationError

    try:
        inputs = json.loads(form.get("params") or "{}")
    except ValueError:
        raise ValidationError("params: the calculator's inputs are not JSON",
                              field="params") from None
    if not isinstance(inputs, dict):
        raise ValidationError("params: the calculator's inputs are not a mapping",
                              field="params")
    return run_calculator(form.get("calculator") or "", inputs, platform=platform,
                          version=form.get("version") or None, save=True, files=False)


def _run(name_or_path: str | CalculatorSource, params: Mapping[str, Any] | None, *,
         catalog: Any, platform: Platform | None, active: Session | None, version: str | None,
         timeout: float | None, pool: WorkerPool | None, save: bool, files: bool
         ) -> CalcResult:
    if active is not None:
        from ordercraft.core.permissions import require_session_permission

        require_session_permission(active, "calc.run")
    source = find_calculator(name_or_path, platform=platform, session=active, version=version,
                             files=files)
    owner = run_owner(active)
    spec = describe(source, pool=pool, owner=owner)
    typed = spec.validate(params or {})
    chosen = as_catalog(catalog)
    if chosen is None and platform is not None and active is not None:
        from ordercraft.core.calc.store import site_catalog

        chosen = site_catalog(active, platform)
    raw = (pool or default_pool()).run(source.version, source.source, plain_params(typed),
                                       catalog=chosen, timeout=timeout, owner=owner)
    result = CalcResult.from_worker(raw, calculator=source.name, origin=source.origin,
                                    version=source.version, spec=spec, params=typed)
    if save and active is not None:
        from ordercraft.core.calc.store import save_run

        if platform is not None and active is not None and not active.info.get("writes", True):
            # The session only read (the run held no write lock): the run is stored in a
            # short write transaction of its own.
            with platform.session(user=active.info.get("user")) as writer:
                return save_run(writer, result, source)
        result = save_run(active, result, source)
    return result
