"""``ordercraft plugin new NAME``: the files of a new, installable add-on package.

The files come from ``scaffold_templates/`` (``string.Template``: ``${name}``, ``${title}``,
``${dist}``, ``${revision}``, ``${created}``; ``PACKAGE`` and ``REVISION`` in a path are the
package's name and the first migration's id). The add-on they make imports nothing of
Ordercraft but ``ordercraft.sdk``: pyproject.toml with its entry point, hook
implementations, a table with the first revision of its own Alembic branch, a page in the
menu, a JSON API route, a command with ``--json``, two permissions, a demo seeder and tests
on the SDK's test kit (docs/plugins.md).
"""

from __future__ import annotations

import importlib.util
import keyword
import re
import shutil
import string
import tempfile
import uuid
from datetime import datetime, timezone
from pathlib import Path

from ordercraft.core.errors import Conflict, ValidationError

TEMPLATES = Path(__file__).parent / "scaffold_templates"
TEMPLATE_SUFFIX = ".tmpl"
#: A plugin name that is also a Python package name, a table prefix and a command name.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def check_name(name: str) -> str:
    """``name`` if it can name an add-on, else a ValidationError saying why."""
    if not NAME_PATTERN.match(name) or keyword.iskeyword(name):
        raise ValidationError(
            f"name: {name!r} is not a plugin name (2-40 lowercase letters, digits and '_', "
            "starting with a letter)", field="name")
    from importlib.metadata import entry_points

    from ordercraft.core.cli import COMMAND_ALIASES, COMMANDS_GROUP, CORE_COMMANDS
    from ordercraft.core.plugins import ENTRY_POINT_GROUP

    # The add-on's command group is named like it, and so is its entry point.
    commands = {*CORE_COMMANDS, *COMMAND_ALIASES,
                *(entry.name for entry in entry_points(group=COMMANDS_GROUP))}
    if name in commands:
        raise ValidationError(f"name: {name!r} is a command of ordercraft already; choose "
                              "another name", field="name")
    if name in {entry.name for entry in entry_points(group=ENTRY_POINT_GROUP)}:
        raise ValidationError(f"name: a plugin called {name!r} is installed already; choose "
                              "another name", field="name")
    try:
        taken = importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        taken = True
    if taken:
        # The add-on's package would shadow (or be shadowed by) the module installed now.
        raise ValidationError(f"name: {name!r} is already an importable module here; choose "
                              "another name", field="name")
    return name


def new_plugin(name: str, parent: Path) -> Path:
    """Write the add-on ``name`` into ``parent / name`` and return that folder.

    Refused when the folder exists (nothing is overwritten). The files are written into a
    temporary folder beside it and moved into place at once, so a failure leaves nothing.
    """
    check_name(name)
    target = parent / name
    if target.exists():
        raise Conflict(f"dir: {str(target)!r} exists already; choose another --dir or name",
                       field="dir")
    if not parent.is_dir():
        raise ValidationError(f"dir: {str(parent)!r} is not a folder", field="dir")
    revision = uuid.uuid4().hex[:12]
    values = {
        "name": name,
        "title": name.replace("_", " ").title(),
        "dist": "ordercraft-" + name.replace("_", "-"),
        "revision": revision,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
    }
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=parent))
    staging.chmod(0o755)  # mkdtemp's folder is private; the add-on's is an ordinary one
    try:
        for template in sorted(TEMPLATES.rglob("*" + TEMPLATE_SUFFIX)):
            relative = template.relative_to(TEMPLATES).as_posix()[:-len(TEMPLATE_SUFFIX)]
            relative = relative.replace("PACKAGE", name).replace("REVISION", revision)
            text = string.Template(template.read_text(encoding="utf-8")).substitute(values)
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def written_files(folder: Path) -> list[str]:
    """The files of an add-on folder, relative and sorted (for the command's report)."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
