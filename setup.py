"""Maps the top-level source folders onto the ``ordercraft.*`` import namespace.

The folders stay at the top of the repository (see DESIGN.md), but a partner's
environment must never get top-level modules called ``core`` or ``web``; so every
package below those folders is installed as ``ordercraft.<folder>.<...>``.
"""

from pathlib import Path

from setuptools import setup

HERE = Path(__file__).parent
SOURCE_FOLDERS = ("core", "sdk", "web", "plugins", "scripts_user")


def _packages() -> tuple[list[str], dict[str, str]]:
    packages: list[str] = []
    package_dir: dict[str, str] = {}
    for folder in SOURCE_FOLDERS:
        root = HERE / folder
        for init in sorted(root.rglob("__init__.py")):
            relative = init.parent.relative_to(HERE)
            name = "ordercraft." + ".".join(relative.parts)
            packages.append(name)
            package_dir[name] = relative.as_posix()
    return packages, package_dir


packages, package_dir = _packages()
setup(packages=packages, package_dir=package_dir)
