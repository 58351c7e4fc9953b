"""Issue 11, item 22: two ``ordercraft worker`` processes on one database never run the
same scheduled work twice. Each worker here is a platform of its own (its own engine and
connections, as a separate process has), and both run every job at the same moment."""

from __future__ import annotations

import threading
from collections import Counter

import workflow_kit as kit
from ordercraft.core.platform import Platform
from ordercraft.core.workflow.tasks import create_task
from workflow_kit import T0, at

TASKS = 24


def test_two_workers_handle_each_reminder_and_escalation_once(make_site):
    told = []
    lock = threading.Lock()

    def task_notification(task, kind, recipient, now):
        with lock:
            told.append((task.id, kind))

    notifier = kit.plugin_module("counting_notifier", task_notification=task_notification)
    site = make_site(plugins=[], extra_plugins=[notifier])
    kit.add_staff(site)
    with site.session() as session:
        ids = [create_task(session, f"Call back school {n}", now=T0, assignee="eva",
                           remind_at=at(1), deadline=at(2)).id for n in range(TASKS)]
    told.clear()  # the "assigned" notices

    workers = [Platform(site.platform.database_url, only=[], extra_plugins=[notifier])
               for _ in range(2)]
    start = threading.Barrier(2)
    results: list[dict[str, list[int]]] = [{}, {}]

    def worker(index: int) -> None:
        from ordercraft.core import scheduler

        workers[index].start()
        start.wait()
        results[index] = scheduler.run_jobs_once(workers[index], at(3))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for platform in workers:
        platform.dispose()

    for job in ("reminders", "escalate-overdue"):
        handled = results[0][job] + results[1][job]
        assert sorted(handled) == sorted(ids), (job, results)  # every task, by one worker
    counts = Counter(kind for _task, kind in told)
    assert counts == {"reminder": TASKS, "escalated": TASKS}, counts
    assert all(n == 1 for n in Counter(told).values())
