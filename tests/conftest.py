"""Setup shared by the test files.

The helper modules of the tests (``crm_kit``, ``sales_kit``, ``stock_book``, ...) are
imported by name: pytest's ``pythonpath = ["tests"]`` (pyproject.toml) puts this folder
on ``sys.path``, so no test file touches ``sys.path`` itself. The SDK's fixtures
(``make_site``, ``site``, ``smtp_server``) come from its pytest plugin,
``ordercraft.sdk.testing``. What is here is what several test files share and a partner
would not need: an environment to ``pip install`` add-on packages into.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest

#: Environment variables of this pytest run that a nested run must not inherit.
_NESTED_RUN_DROPS = ("PYTHONPATH", "PYTHONHOME", "ORDERCRAFT_DATABASE_URL",
                     "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT",
                     "PYTEST_XDIST_TESTRUNUID", "PYTEST_CURRENT_TEST")


class AddonEnvironment:
    """A virtual environment layered on this one: it sees every package installed here
    (Ordercraft included, through a ``.pth`` file that adds this site-packages folder),
    and what is ``pip install``-ed into it is seen by it alone, so an add-on installed by
    one test never appears on the sites of tests running beside it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.workdir = folder / "work"
        self.workdir.mkdir(parents=True, exist_ok=True)
        run([sys.executable, "-m", "venv", "--without-pip", str(folder / "venv")])
        self.python = folder / "venv" / "bin" / "python"
        purelib = Path(self.run_python(
            "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
        # addsitedir, not a bare path: the .pth files of this environment (the editable
        # install of Ordercraft) must work there too.
        (purelib / "zz_this_environment.pth").write_text(
            f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _NESTED_RUN_DROPS}
        env.update(extra)
        return env

    def pip(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``pip`` of this environment run for the layered one (``pip --python``)."""
        return run([sys.executable, "-m", "pip", "--python", str(self.python),
                    "--disable-pip-version-check", "--no-input", *args])

    def install(self, project: Path, *, editable: bool = False) -> None:
        """``pip install`` a project folder (``-e`` when ``editable``): no dependencies,
        built with the setuptools of this environment (no download, no build isolation)."""
        self.pip("install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
                 *(["--editable"] if editable else []), str(project))

    def uninstall(self, distribution: str) -> None:
        self.pip("uninstall", "--yes", "--quiet", distribution)

    def run_python(self, code: str, *args: str, check: bool = True,
                   cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return run([str(self.python), "-c", code, *args], check=check,
                   cwd=cwd or self.workdir, env=self.env())

    def ordercraft(self, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``ordercraft ARGS`` in the layered environment."""
        return self.run_python("import sys; from ordercraft.core.cli import main; "
                               "main(sys.argv[1:])", *map(str, args), check=check)

    def pytest(self, folder: Path, **env: str) -> subprocess.CompletedProcess[str]:
        """Run the tests of a project folder (its own pytest configuration) with the
        layered environment's Python."""
        return run([str(self.python), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    str(folder / "tests")], check=False, cwd=folder, env=self.env(**env))


def run(command: list[str], *, check: bool = True, **kwargs: object
        ) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, timeout=600,
                            **kwargs)  # type: ignore[call-overload]
    if check:
        assert result.returncode == 0, (f"{' '.join(command)} failed ({result.returncode}):\n"
                                        f"{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def addon_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AddonEnvironment]:
    """A virtual environment layered on this one, to ``pip install`` add-ons into."""
    yield AddonEnvironment(tmp_path_factory.mktemp("addon-environment"))


@pytest.fixture(autouse=True)
def _backups_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Backups made by a test (a page, an API call, the daily job) go to its own folder,
    never into the working directory of the run."""
    monkeypatch.setenv("ORDERCRAFT_BACKUP_DIR", str(tmp_path / "backups"))
