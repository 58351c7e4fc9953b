"""``ordercraft serve`` and ``ordercraft demo``: the web application on waitress (and the
background scheduler).

They belong to the web layer, above the core: the core's command line finds them through
the entry-point group ``ordercraft.commands`` (pyproject.toml), the way Flask finds
``flask.commands``, so the core never imports the web. This module imports only click
at module level: ``ordercraft --help`` reads the commands' short help from it.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

import click

from ordercraft.core.cli.common import (
    current_platform,
    display_url,
    dumps,
    emit,
    json_option,
    ready_platform,
)

if TYPE_CHECKING:
    from ordercraft.core.platform import Platform

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_THREADS = 8
SCHEDULER_MODULE = "ordercraft.core.scheduler"


def server_options(function: Any) -> Any:
    """``--host``, ``--port``, ``--threads`` and ``--behind-proxy`` (shared by ``serve``
    and ``demo``)."""
    function = click.option("--behind-proxy", "behind_proxy", type=click.IntRange(0, 10),
                            default=0, envvar="ORDERCRAFT_BEHIND_PROXY", show_default=True,
                            metavar="N",
                            help="Trust X-Forwarded-For/-Proto/-Host from N reverse proxies "
                                 "in front (an HTTPS proxy: Secure cookie, https "
                                 "redirects).")(function)
    function = click.option("--threads", type=click.IntRange(1, 256), default=DEFAULT_THREADS,
                            show_default=True, help="Worker threads answering requests.")(function)
    function = click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT,
                            show_default=True, help="TCP port (0: any free port).")(function)
    function = click.option("--host", default=DEFAULT_HOST, show_default=True,
                            help="Address to listen on (0.0.0.0: every interface).")(function)
    return function


@click.command("serve")
@server_options
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Web processes. 1: one process (waitress) that also runs the background "
                   "jobs; more: gunicorn with that many processes and no background jobs "
                   "(run 'ordercraft worker' beside it).")
@json_option
def serve_command(host: str, port: int, threads: int, workers: int, behind_proxy: int,
                  as_json: bool) -> None:
    """Run the web application (and the background scheduler).

    Serves until Ctrl+C or SIGTERM; prints the address first.
    """
    if workers > 1:
        serve_processes(ready_platform(), host=host, port=port, threads=threads,
                        workers=workers, behind_proxy=behind_proxy, as_json=as_json)
        return
    serve_site(ready_platform(), host=host, port=port, threads=threads, as_json=as_json,
               behind_proxy=behind_proxy)


def serve_processes(platform: Platform, *, host: str, port: int, threads: int, workers: int,
                    behind_proxy: int = 0, as_json: bool = False) -> None:
    """Serve the site from ``workers`` processes with gunicorn (``gthread`` workers of
    ``threads`` threads each) until Ctrl+C or SIGTERM.

    Each process builds its own app, engine and calculator pool after the fork (nothing
    connected is shared between processes). The background jobs are not run here: with
    several processes they belong to ``ordercraft worker`` (its jobs lock what they
    handle, so running several workers is safe too).
    """
    import socket

    from gunicorn.app.base import BaseApplication

    from ordercraft.core.errors import OrdercraftError

    url = platform.database_url
    platform.dispose()  # the children connect on their own
    if port == 0:  # gunicorn has no "any free port": pick one now
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
    shown = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}/"

    class OrdercraftApplication(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in {"bind": f"{host}:{port}", "workers": workers,
                               "worker_class": "gthread", "threads": threads,
                               "preload_app": False, "accesslog": None,
                               "errorlog": "-", "loglevel": "warning",
                               "graceful_timeout": 10, "proc_name": "ordercraft",
                               "when_ready": lambda _arbiter: announce()}.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from ordercraft.core.platform import Platform
            from ordercraft.web.app import create_app
            from ordercraft.web.security import BEHIND_PROXY

            return create_app(Platform(url), config={BEHIND_PROXY: behind_proxy}
                              if behind_proxy else None)

    def announce() -> None:
        if as_json:
            click.echo(dumps({"ok": True, "url": shown, "host": host, "port": port,
                              "threads": threads, "workers": workers,
                              "database": display_url(url), "scheduler": False}
                             ).replace("\n", " "))
        else:
            click.echo(f"Ordercraft is serving {shown}  (database: {display_url(url)}; "
                       f"{workers} processes of {threads} threads; listening on {host}; "
                       "background jobs: run 'ordercraft worker')")
            click.echo("Press Ctrl+C to stop.")
        sys.stdout.flush()

    try:
        OrdercraftApplication().run()
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise OrdercraftError(f"the web server stopped: cannot serve on {host}:{port} "
                                  "(see its messages above)", code="server_failed",
                                  field="port") from None


def start_background_scheduler(platform: Platform) -> Any:
    """Start the site's scheduler (reminders, escalations) when the installation has one:
    ``ordercraft.core.scheduler.start(platform)``; returns what it returns, or ``None``."""
    if importlib.util.find_spec(SCHEDULER_MODULE) is None:
        return None
    start = getattr(importlib.import_module(SCHEDULER_MODULE), "start", None)
    return start(platform) if callable(start) else None


def stop_background_scheduler(scheduler: Any) -> None:
    stop = getattr(scheduler, "shutdown", None) or getattr(scheduler, "stop", None)
    if callable(stop):
        stop()


def serve_site(platform: Platform, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
               threads: int = DEFAULT_THREADS, as_json: bool = False,
               behind_proxy: int = 0) -> None:
    """Serve the site until Ctrl+C or SIGTERM; prints the URL first.

    :param behind_proxy: the number of reverse proxies whose ``X-Forwarded-*`` headers
        are trusted (``ProxyFix``); 0: none, and waitress drops those headers.
    """
    from waitress.server import create_server

    from ordercraft.core.errors import OrdercraftError
    from ordercraft.web.app import create_app

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # APScheduler reports every run at INFO; the site's own jobs log what matters.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    from ordercraft.web.security import BEHIND_PROXY

    app = create_app(platform, config={BEHIND_PROXY: behind_proxy} if behind_proxy else None)
    try:
        # Behind a proxy the forwarded headers reach ProxyFix, which trusts only as many
        # hops as it was told; otherwise waitress drops them.
        server = create_server(app, host=host, port=port, threads=threads,
                               ident="Ordercraft",
                               clear_untrusted_proxy_headers=not app.config[BEHIND_PROXY])
    except OSError as exc:
        raise OrdercraftError(f"cannot listen on {host}:{port}: {exc.strerror or exc} (choose "
                              "another with --port or --host)", code="address_unavailable",
                              field="port") from None
    effective_port = getattr(server, "effective_port", port)
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "") else host
    url = f"http://{'[' + shown_host + ']' if ':' in shown_host else shown_host}:{effective_port}/"
    scheduler = start_background_scheduler(platform)
    if as_json:
        click.echo(dumps({"ok": True, "url": url, "host": host, "port": effective_port,
                          "threads": threads, "database": display_url(platform.database_url),
                          "scheduler": scheduler is not None}).replace("\n", " "))
    else:
        click.echo(f"Ordercraft is serving {url}  (database: "
                   f"{display_url(platform.database_url)}; {threads} threads; "
                   f"listening on {host}"
                   f"{'; background scheduler running' if scheduler is not None else ''})")
        click.echo("Press Ctrl+C to stop.")
    sys.stdout.flush()

    def stop(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    # SIGTERM (a service manager, a test stopping the server) stops as cleanly as Ctrl+C.
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, stop) if in_main_thread else None
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
        server.close()
        stop_background_scheduler(scheduler)
        platform.dispose()
    if not as_json:
        click.echo("stopped")


@click.command("demo")
@click.option("--serve/--no-serve", default=True, show_default=True,
              help="Serve the site after seeding it.")
@server_options
@json_option
def demo_command(serve: bool, host: str, port: int, threads: int, behind_proxy: int,
                 as_json: bool) -> None:
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
        click.echo(dumps(document).replace("\n", " "))
    else:
        emit(as_json, document, text)
    if serve:
        if not as_json:
            click.echo("")
        serve_site(platform, host=host, port=port, threads=threads, as_json=as_json,
                   behind_proxy=behind_proxy)
