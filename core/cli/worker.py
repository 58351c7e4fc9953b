"""``ordercraft worker``: the background jobs (escalations, reminders, scheduled
processes), until stopped or ``--once``."""

from __future__ import annotations

import click

from ordercraft.core.cli.common import dumps, emit, json_option, ready_platform


@click.command("worker")
@click.option("--once", is_flag=True, help="Run every job once and exit (for cron).")
@click.option("--interval", type=click.FloatRange(1, 86400), default=60, show_default=True,
              help="Seconds between two runs of each job.")
@json_option
def worker_command(once: bool, interval: float, as_json: bool) -> None:
    """Run the background jobs (escalations, reminders, scheduled processes) until stopped."""
    from ordercraft.core import scheduler

    platform = ready_platform()
    if once:
        results = scheduler.run_jobs_once(platform)
        emit(as_json, {"ok": True, "jobs": results},
             "\n".join(f"{name}: {len(ids)}" for name, ids in results.items()))
        return
    import logging
    import signal
    import sys
    import threading

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    stop = threading.Event()
    # Ctrl+C and SIGTERM end the wait below, whenever they come: no KeyboardInterrupt
    # half-way through a job.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    running = scheduler.start(platform, interval=interval)
    if as_json:
        click.echo(dumps({"ok": True, "jobs": scheduler.describe(running)}))
    else:
        click.echo(f"worker running: {', '.join(job.name for job in scheduler.site_jobs(platform))} every "
                   f"{interval:g}s (Ctrl+C to stop)")
    sys.stdout.flush()
    try:
        stop.wait()
    finally:
        running.shutdown()
    click.echo("worker stopped", err=True)
