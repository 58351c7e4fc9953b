"""Creating and upgrading a site's schema with Alembic (one branch per plugin)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from ordercraft.core.config import sqlite_file_path
from ordercraft.core.hooks import Hooks
from ordercraft.core.plugins import build_plugin_manager, dependency_order

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from ordercraft.core.platform import Platform

MIGRATIONS = Path(__file__).parent / "migrations"
CORE_VERSIONS = MIGRATIONS / "versions"


def version_locations(platform: Platform) -> list[str]:
    """The core's revisions and every installed plugin's, disabled ones included: a
    disabled plugin keeps its tables, and Alembic must still know their revisions."""
    return [str(CORE_VERSIONS), *(path for _name, path in _locations(platform))]


def _locations(platform: Platform) -> list[tuple[str, str]]:
    """(plugin, folder of its revisions) for every installed plugin."""
    import dataclasses

    # Copies marked enabled: the platform's own view of its plugins does not change.
    everyone = [dataclasses.replace(p, enabled=True) for p in platform.plugins]
    for plugin in everyone:
        plugin.load()
    hooks = Hooks(build_plugin_manager(everyone), [p.name for p in dependency_order(everyone)])
    return [(name, str(path)) for name, path in hooks.migrations_location()]


def alembic_config(platform: Platform, connection: Connection, **attributes: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("version_locations", " ".join(version_locations(platform)))
    config.set_main_option("path_separator", "space")
    config.attributes["connection"] = connection
    config.attributes.update(attributes)
    return config


def current_heads(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


def is_initialised(platform: Platform) -> bool:
    path = sqlite_file_path(platform.database_url)
    if path is not None and not os.path.exists(path):
        return False  # connecting would leave an empty database file behind
    with platform.engine.connect() as connection:
        return inspect(connection).has_table("alembic_version") and bool(current_heads(connection))


def applied_revisions(script: ScriptDirectory, heads: set[str]) -> set[str]:
    """Every revision at or below ``heads``, dependencies included: the version table
    keeps only heads, and a plugin branch whose revision ``depends_on`` the core's
    stands in for that core revision too."""
    if not heads:
        return set()
    return {revision.revision for revision in script.iterate_revisions(tuple(heads), "base")}


def upgrade(platform: Platform) -> list[str]:
    """Bring every branch to its head; returns the revisions applied."""
    with platform.engine.begin() as connection:
        config = alembic_config(platform, connection)
        script = ScriptDirectory.from_config(config)
        before = applied_revisions(script, current_heads(connection))
        command.upgrade(config, "heads")
        after = applied_revisions(script, current_heads(connection))
    return sorted(after - before)


def pending_revisions(platform: Platform) -> list[str]:
    """Revisions of the core and of every installed plugin not yet applied."""
    with platform.engine.connect() as connection:
        config = alembic_config(platform, connection)
        script = ScriptDirectory.from_config(config)
        known = {revision.revision for revision in script.walk_revisions()}
        return sorted(known - applied_revisions(script, current_heads(connection)))


def create_all_and_stamp(platform: Platform) -> None:
    """A fast schema for tests: ``create_all`` then stamp every branch as at its head."""
    platform.load_models()
    from ordercraft.core.db import Base

    with platform.engine.begin() as connection:
        Base.metadata.create_all(connection)
        command.stamp(alembic_config(platform, connection), "heads")


def new_revision(platform: Platform, message: str, *, owner: str = "core") -> str:
    """Autogenerate a revision for ``owner``'s tables (developer tool)."""
    platform.load_models()
    plugin_folder = plugin_versions(platform, owner) if owner != "core" else None
    with platform.engine.begin() as connection:
        config = alembic_config(platform, connection, owner=owner)
        script = ScriptDirectory.from_config(config)
        branch_heads = [h for h in script.get_revisions("heads")
                        if owner in (h.branch_labels or set())
                        or owner in _labels_below(script, h)]
        kwargs: dict[str, Any] = {"autogenerate": True, "message": message}
        if branch_heads:
            kwargs["head"] = f"{owner}@head"
        else:
            # A branch's first revision: in its owner's folder, and a plugin's after the
            # core's tables (its own may refer to them).
            kwargs["head"] = "base"
            kwargs["branch_label"] = owner
            if owner == "core":
                kwargs["version_path"] = str(CORE_VERSIONS)
            else:
                kwargs["version_path"] = plugin_folder
                kwargs["depends_on"] = ("core",)
        revision = command.revision(config, **kwargs)
    return revision.path if hasattr(revision, "path") else str(revision)


def plugin_versions(platform: Platform, owner: str) -> str:
    """The folder of ``owner``'s revisions (its ``migrations_location`` hook), created if
    it does not exist yet."""
    from ordercraft.core.errors import NotFound, ValidationError

    names = [plugin.name for plugin in platform.plugins]
    if owner not in names:
        raise NotFound(f"--owner {owner!r} is neither 'core' nor an installed plugin "
                       f"(installed: {', '.join(sorted(names)) or 'none'})", field="owner")
    location = dict(_locations(platform)).get(owner)
    if location is None:
        raise ValidationError(
            f"plugin {owner!r} has no migrations folder: implement its migrations_location "
            "hook (return the path of a folder next to its module, e.g. "
            "Path(__file__).parent / 'migrations')", field="owner")
    Path(location).mkdir(parents=True, exist_ok=True)
    return location


def _labels_below(script: ScriptDirectory, revision: Any) -> set[str]:
    labels: set[str] = set()
    for rev in script.iterate_revisions(revision.revision, "base"):
        labels |= set(rev.branch_labels or ())
    return labels
