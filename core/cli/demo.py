"""``ordercraft demo``: seed the demo site (a robot workshop) and serve it."""

from __future__ import annotations

import click

from ordercraft.core.cli.common import current_platform, display_url, emit, json_option
from ordercraft.core.cli.serve import server_options


@click.command("demo")
@click.option("--serve/--no-serve", default=True, show_default=True,
              help="Serve the site after seeding it.")
@server_options
@json_option
def demo_command(serve: bool, host: str, port: int, threads: int, as_json: bool) -> None:
    """Seed the demo site (a robot workshop) and serve it.

    Creates the site if there is none (admin password: ORDERCRAFT_ADMIN_PASSWORD or
    'admin-demo'), adds the demo data it does not have yet (running it again adds
    nothing twice), then serves it like 'ordercraft serve'.
    """
    from ordercraft.core.demo import seed_demo

    platform = current_platform()
    result = seed_demo(platform)
    url = display_url(platform.database_url)
    document = {"ok": True, "created": result.created, "database": url,
                "seeded": result.seeded, "users": result.users}

    def text() -> str:
        lines = [f"{'created the demo site' if result.created else 'demo site'} at {url}",
                 ("seeded: " + ", ".join(result.seeded)) if result.seeded
                 else "the demo data is already there; nothing was added",
                 "",
                 "Log in with (demo passwords" +
                 ("" if result.created else ", as set when the site was created") + "):"]
        width = max(len(name) for name in result.users)
        for name, password in result.users.items():
            lines.append(f"  {name.ljust(width)}  {password}")
        return "\n".join(lines)

    if serve and as_json:
        # One JSON document per line: this one, then the server's.
        from ordercraft.core.cli.common import dumps

        click.echo(dumps(document).replace("\n", " "))
    else:
        emit(as_json, document, text)
    if serve:
        from ordercraft.core.cli.serve import serve_site

        if not as_json:
            click.echo("")
        serve_site(platform, host=host, port=port, threads=threads, as_json=as_json)
