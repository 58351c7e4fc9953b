"""Packaging: a wheel built from the source tree and installed into a new virtual
environment imports only under ``ordercraft.*``, carries every source and data file,
runs its console script and resolves its entry points; the editable install of the
development environment does not leak top-level ``core``/``web``/``sdk`` either."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE_FOLDERS = ("core", "sdk", "web", "plugins", "scripts_user")
IGNORED = (".git", "build", "dist", "*.egg-info", "__pycache__", "*.pyc", ".venv", "venv",
           "*.db", "*.db-wal", "*.db-shm", ".pytest_cache", ".hypothesis", "test-output",
           "node_modules")

pytestmark = pytest.mark.slow


def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                            **kwargs)  # type: ignore[call-overload]
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A wheel of the source tree, installed without dependencies into a new venv that
    borrows the dependencies of this environment (a .pth file to its site-packages)."""
    base = tmp_path_factory.mktemp("packaging")
    # A copy, so that building leaves nothing in the working tree (and no stale build/).
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*IGNORED))
    dist = base / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir",
         str(dist), str(source)])
    wheel = next(dist.glob("ordercraft-*.whl"))
    venv = base / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "--quiet", str(wheel)])
    site_packages = Path(run([str(python), "-c",
                              "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
                             ).stdout.strip())
    # Appended to sys.path after the venv's own site-packages: the installed wheel wins.
    (site_packages / "zz_borrowed_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n")
    workdir = base / "elsewhere"
    workdir.mkdir()
    return {"wheel": wheel, "venv": venv, "python": python, "site_packages": site_packages,
            "workdir": workdir}


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.pop("ORDERCRAFT_DATABASE_URL", None)
    return env


def venv_python(installed: dict[str, Path], code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(installed["python"]), "-c", code], capture_output=True, text=True,
                          cwd=installed["workdir"], env=clean_env(), timeout=120)


def test_wheel_holds_only_the_ordercraft_namespace(installed):
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    top = {name.split("/", 1)[0] for name in names}
    assert top == {"ordercraft", next(t for t in top if t.endswith(".dist-info"))}, top


def test_wheel_carries_every_source_and_data_file(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    ignore = shutil.ignore_patterns(*IGNORED)
    missing = []
    for folder in SOURCE_FOLDERS:
        for directory, subdirectories, files in os.walk(ROOT / folder):
            skipped = ignore(directory, subdirectories + files)
            subdirectories[:] = [d for d in subdirectories if d not in skipped]
            for file in files:
                if file in skipped:
                    continue
                relative = (Path(directory) / file).relative_to(ROOT).as_posix()
                if f"ordercraft/{relative}" not in names:
                    missing.append(relative)
    assert not missing, f"files left out of the wheel (package-data in pyproject.toml?): {missing}"
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)


def test_installed_wheel_imports_under_ordercraft_only(installed):
    code = (
        "import importlib, json\n"
        "found = {}\n"
        "for name in ('ordercraft.core', 'ordercraft.sdk', 'ordercraft.web', 'ordercraft.plugins',"
        " 'ordercraft.core.cli', 'ordercraft.sdk.testing'):\n"
        "    found[name] = importlib.import_module(name).__file__\n"
        "for name in ('core', 'web', 'sdk', 'plugins', 'scripts_user'):\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "        found[name] = 'imported'\n"
        "    except ModuleNotFoundError:\n"
        "        found[name] = None\n"
        "print(json.dumps(found))\n")
    result = venv_python(installed, code)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    for name in ("ordercraft.core", "ordercraft.sdk", "ordercraft.web", "ordercraft.plugins",
                 "ordercraft.core.cli", "ordercraft.sdk.testing"):
        assert Path(found[name]).is_relative_to(installed["site_packages"]), (name, found[name])
    for name in ("core", "web", "sdk", "plugins", "scripts_user"):
        assert found[name] is None, f"'import {name}' works after installing the wheel"


def test_installed_console_script_runs(installed, tmp_path):
    script = installed["venv"] / "bin" / "ordercraft"
    assert script.exists()
    env = clean_env()
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True,
                            cwd=installed["workdir"], env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Usage: ordercraft" in result.stdout and "plugins" in result.stdout
    # A real command against a new site, with the installed templates of migrations.
    url = f"sqlite:///{tmp_path / 'wheel-site.db'}"
    created = subprocess.run([str(script), "--db", url, "init", "--admin-password",
                              "long-enough-password", "--json"], capture_output=True,
                             text=True, cwd=installed["workdir"], env=env, timeout=120)
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["created"] is True


def test_installed_entry_points_resolve(installed):
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    plugins = declared.get("entry-points", {}).get("ordercraft.plugins", {})
    code = (
        "import json\n"
        "from importlib.metadata import distribution\n"
        "dist = distribution('ordercraft')\n"
        "out = {}\n"
        "for ep in dist.entry_points:\n"
        "    out[ep.group + ':' + ep.name] = getattr(ep.load(), '__file__', None) or repr(ep.load())\n"
        "print(json.dumps(out))\n")
    result = venv_python(installed, code)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    commands = declared["entry-points"]["ordercraft.commands"]
    expected = {f"ordercraft.plugins:{name}" for name in plugins}
    expected |= {f"ordercraft.commands:{name}" for name in commands}
    expected |= {"pytest11:ordercraft", "console_scripts:ordercraft"}
    assert set(loaded) == expected
    for key, location in loaded.items():
        if key.startswith(("ordercraft.plugins:", "pytest11:")):
            assert Path(location).is_relative_to(installed["site_packages"]), (key, location)


def test_installed_plugins_are_listed(installed, tmp_path):
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    plugins = sorted(declared.get("entry-points", {}).get("ordercraft.plugins", {}))
    script = installed["venv"] / "bin" / "ordercraft"
    result = subprocess.run([str(script), "--db", f"sqlite:///{tmp_path / 'l.db'}", "plugins",
                             "list", "--json"], capture_output=True, text=True,
                            cwd=installed["workdir"], env=clean_env(), timeout=120)
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)["plugins"]
    assert sorted(p["name"] for p in listed if p["builtin"]) == plugins


def test_editable_install_does_not_leak_top_level_packages(tmp_path):
    code = (
        "import importlib, json\n"
        "out = {'ordercraft.core': importlib.import_module('ordercraft.core').__file__}\n"
        "for name in ('core', 'web', 'sdk'):\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "        out[name] = 'imported'\n"
        "    except ModuleNotFoundError:\n"
        "        out[name] = None\n"
        "print(json.dumps(out))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=tmp_path, env=clean_env(), timeout=120)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["core"] is None and found["web"] is None and found["sdk"] is None
    assert Path(found["ordercraft.core"]).resolve().is_relative_to(ROOT / "core")
