"""Background jobs of a site, run by APScheduler: overdue escalation, reminders, the
processes started on a schedule, queued imports, the outbox's mail and the daily backup.

``start(platform)`` starts a ``BackgroundScheduler`` (``ordercraft serve`` calls it next
to the web server; ``ordercraft worker`` runs it alone for deployments with several
web processes). Each job is a plain function ``(platform, now) -> ids`` that does its
work in one transaction, so tests call it directly with the clock they want, and
``ordercraft worker --once`` runs every job once (for a cron-driven deployment).

Several processes may run the jobs of one site at the same time: every job takes the
rows it handles under a row lock (``SKIP LOCKED`` on PostgreSQL; SQLite serialises
writers), so a task is escalated once, a schedule fires once and a message is sent once.
The mail job runs last, so that the reminders and escalations of a run go out in it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

    from ordercraft.core.platform import Platform

log = logging.getLogger("ordercraft.scheduler")

#: Seconds between two runs of each job.
DEFAULT_INTERVAL = 60


def escalate_overdue_job(platform: Platform, now: datetime | None = None) -> list[int]:
    """Escalate the tasks that became overdue to their assignees' managers."""
    from ordercraft.core.db import utcnow
    from ordercraft.core.workflow.tasks import escalate_overdue

    with platform.session() as session:
        return escalate_overdue(session, now or utcnow())


def reminders_job(platform: Platform, now: datetime | None = None) -> list[int]:
    """Remind assignees whose tasks' reminder time has come."""
    from ordercraft.core.db import utcnow
    from ordercraft.core.workflow.tasks import send_reminders

    with platform.session() as session:
        return send_reminders(session, now or utcnow())


def scheduled_processes_job(platform: Platform, now: datetime | None = None) -> list[int]:
    """Start the processes whose schedule came due."""
    from ordercraft.core.db import utcnow
    from ordercraft.core.workflow.engine import run_due_schedules

    with platform.session() as session:
        return run_due_schedules(session, now or utcnow())


def send_mail_job(platform: Platform, now: datetime | None = None) -> list[int]:
    """Send the outbox's due messages over SMTP (claimed, sent and recorded in separate
    short transactions: see :mod:`ordercraft.core.mail.sender`). Messages are due by the
    real clock, which a given ``now`` may only move forward: the mails that the jobs
    before it queued in the same run go out in that run."""
    from ordercraft.core.db import utcnow
    from ordercraft.core.mail.sender import send_due

    return send_due(platform, max(now, utcnow()) if now is not None else None)


def daily_backup_job(platform: Platform, now: datetime | None = None) -> list[str]:
    """Once a day, when the setting ``backup_daily`` is on: a backup into the backup
    folder, and those older than ``backup_keep_days`` removed (names made and removed)."""
    from ordercraft.core.backup import daily_backup

    return daily_backup(platform, now)


def imports_job(platform: Platform, now: datetime | None = None) -> list[int]:
    """Run the import jobs left queued (the web process usually starts them at once)."""
    from ordercraft.core.import_jobs import run_queued_jobs

    return run_queued_jobs(platform, now)


@dataclass(frozen=True)
class Job:
    name: str
    function: Callable[..., list[Any]]
    description: str


JOBS: tuple[Job, ...] = (
    Job("escalate-overdue", escalate_overdue_job,
        "overdue tasks escalate to the assignee's manager"),
    Job("reminders", reminders_job, "assignees are reminded before deadlines"),
    Job("scheduled-processes", scheduled_processes_job,
        "processes with a schedule trigger start"),
    Job("imports", imports_job, "queued imports of items, parties and stock run"),
    Job("send-mail", send_mail_job, "queued mail is sent over SMTP"),
    Job("daily-backup", daily_backup_job, "a daily backup of the site, old ones removed"),
)


def run_jobs_once(platform: Platform, now: datetime | None = None) -> dict[str, list[Any]]:
    """Run every job once, each in its own transaction; returns what each one handled.
    A job that fails is logged and does not stop the others."""
    from ordercraft.core.db import utcnow

    now = now or utcnow()
    platform.refresh_plugins()
    results: dict[str, list[Any]] = {}
    for job in site_jobs(platform):
        results[job.name] = _run(job, platform, now)
    return results


def site_jobs(platform: Platform) -> list[Job]:
    """The core's jobs and the enabled plugins' (hook ``scheduled_jobs``), the plugins'
    before the mail job so the mail they queue goes out in the same run."""
    jobs = list(JOBS)
    taken = {job.name for job in jobs}
    at = next(n for n, job in enumerate(jobs) if job.name == "send-mail")
    extras = []
    for extra in platform.hooks.scheduled_jobs():
        if extra.name in taken:
            log.error("scheduled job %r is already taken; left out", extra.name)
            continue
        taken.add(extra.name)
        extras.append(Job(extra.name, extra.function, extra.description))
    return [*jobs[:at], *extras, *jobs[at:]]


def _run(job: Job, platform: Platform, now: datetime | None = None) -> list[Any]:
    from ordercraft.core.db import retry_when_busy

    try:
        # A busy database (SQLite's write lock held by a long import, a PostgreSQL
        # restart) is waited out: the job's transaction runs again, a few times.
        handled = retry_when_busy(lambda: job.function(platform, now))
    except Exception:  # noqa: BLE001 - a failing job must not stop the scheduler
        log.exception("job %s failed", job.name)
        return []
    if handled:
        log.info("job %s handled %d: %s", job.name, len(handled),
                 ", ".join(str(i) for i in handled[:20]))
    return handled


def _tick(job: Job, platform: Platform) -> None:
    # A plugin enabled or disabled elsewhere takes effect here too (one small query).
    try:
        platform.refresh_plugins()
    except Exception:  # noqa: BLE001
        log.exception("could not refresh the plugins before job %s", job.name)
    _run(job, platform)


def start(platform: Platform, *, interval: float = DEFAULT_INTERVAL,
          first_run: datetime | None = None) -> BackgroundScheduler:
    """Start the site's jobs on a background scheduler and return it (stop it with
    ``.shutdown()``). Each job runs every ``interval`` seconds, the first time at
    ``first_run`` (default: a few seconds from now); missed runs are coalesced."""
    from datetime import timezone

    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler = BackgroundScheduler(timezone=timezone.utc, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": max(int(interval), 1)})
    first = first_run or datetime.now(timezone.utc) + timedelta(seconds=2)
    jobs = site_jobs(platform)
    for job in jobs:
        scheduler.add_job(_tick, IntervalTrigger(seconds=interval, timezone=timezone.utc),
                          args=[job, platform], id=job.name, name=job.description,
                          next_run_time=first)
    scheduler.start()
    log.info("scheduler started: %s every %ss", ", ".join(j.name for j in jobs), interval)
    return scheduler


def describe(scheduler: Any) -> list[dict[str, Any]]:
    """The scheduler's jobs and their next run (for ``ordercraft worker --json``)."""
    return [{"id": job.id, "description": job.name,
             "next_run": job.next_run_time.isoformat() if job.next_run_time else None}
            for job in scheduler.get_jobs()]
