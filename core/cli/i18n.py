"""``ordercraft i18n extract|update``: the translators' files of the core and plugins."""

from __future__ import annotations

from pathlib import Path

import click


def _packages(folders: tuple[Path, ...]) -> list:
    from ordercraft.core.i18n_catalogues import bundled_packages, folder_package

    return [folder_package(f) for f in folders] if folders else bundled_packages()


_FOLDERS = click.argument("folders", nargs=-1,
                          type=click.Path(exists=True, file_okay=False, path_type=Path))


@click.group("i18n")
def i18n_group() -> None:
    """Translation catalogues: extract the marked text, update each language's .po."""


@i18n_group.command("extract")
@_FOLDERS
def extract_command(folders: tuple[Path, ...]) -> None:
    """Write translations/messages.pot of the core and each bundled plugin, or of the
    add-on package FOLDERS given."""
    from ordercraft.core.i18n_catalogues import extract

    for package in _packages(folders):
        count = extract(package)
        click.echo(f"{package.template}: {count} messages")


@i18n_group.command("update")
@_FOLDERS
def update_command(folders: tuple[Path, ...]) -> None:
    """Extract (as ``extract``), then merge each .pot into every language's .po (id, fr,
    ar, mn), keeping the translations made; a missing .po is created empty."""
    from ordercraft.core.i18n import forget_catalogues
    from ordercraft.core.i18n_catalogues import extract, update

    for package in _packages(folders):
        count = extract(package)
        for po in update(package):
            click.echo(f"{po}: {count} messages")
    forget_catalogues()
