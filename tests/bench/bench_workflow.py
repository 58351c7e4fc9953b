"""Workflow read speed: "my tasks", "overdue" and a document's timeline on a site with
10,000 open processes and 100,000 tasks.

Run: python tests/bench/bench_workflow.py [PROCESSES] [--db URL]

The site is a new SQLite file (or the database given with --db, e.g. a PostgreSQL one:
its tables are created in a fresh schema). Each process is a run of an order's process
with ten tasks, eight done and two open; open deadlines spread from 30 days ago to 30
days ahead, so about half of the open tasks are overdue. Fifty users hold the roles;
one task in twenty waits in a role's pool. Every task links to its order, and each
task has three timeline events.

Each query is the whole service call a page makes, in its own transaction (the page of
50 tasks with their people and documents, and the count of the whole list), timed over
50 calls for different users: the median and 95th percentile of the wall time and the
median CPU time are printed, with SQLite's query plans.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

from ordercraft.core.models import User
from ordercraft.core.platform import Platform
from ordercraft.core.schema import create_all_and_stamp
from ordercraft.core.services.users import create_user, ensure_roles
from ordercraft.core.workflow.models import (
    ProcessInstance,
    ProcessStep,
    ProcessTemplate,
    Task,
    TaskLink,
    WorkflowEvent,
)
from ordercraft.core.workflow.tasks import list_tasks, task_dict
from ordercraft.core.workflow.timeline import document_timeline

NOW = datetime(2024, 3, 4, 9, 0)
ROLES = ("economist", "manager", "engineer", "storekeeper")
TASKS_PER_PROCESS = 10
OPEN_PER_PROCESS = 2
CHUNK = 5000


def build(platform: Platform, processes: int) -> dict[str, int]:
    rng = random.Random(7)
    with platform.session() as session:
        ensure_roles(session)
        create_user(session, "admin", roles=["admin"])
        create_user(session, "chief", roles=["manager"])
        for n in range(48):
            create_user(session, f"u{n:02d}", roles=[ROLES[n % 4]], manager="chief")
        users = [(u.id, u.role_names[0]) for u in session.scalars(select(User))
                 if u.name.startswith("u")]
        template = ProcessTemplate(name="order-flow", version=1, title="Order flow",
                                   document_type="order", current=True, created_at=NOW,
                                   definition={"name": "order-flow", "triggers": ["manual"],
                                               "steps": [{"id": "s", "task": {
                                                   "title": "t", "role": "manager"}}]})
        session.add(template)
        session.flush()
        template_id = template.id
    engine = platform.engine
    counts = {"processes": 0, "steps": 0, "tasks": 0, "links": 0, "events": 0}
    task_id = 0
    with engine.begin() as connection:
        for first in range(0, processes, CHUNK // TASKS_PER_PROCESS):
            batch = range(first, min(first + CHUNK // TASKS_PER_PROCESS, processes))
            connection.execute(insert(ProcessInstance), [
                {"id": p + 1, "template_id": template_id, "template_name": "order-flow",
                 "status": "running", "document_type": "order", "document_id": p + 1,
                 "trigger": "manual", "started_at": NOW - timedelta(days=40)} for p in batch])
            steps, tasks, links, events = [], [], [], []
            for p in batch:
                for n in range(TASKS_PER_PROCESS):
                    task_id += 1
                    is_open = n >= TASKS_PER_PROCESS - OPEN_PER_PROCESS
                    user_id, role = rng.choice(users)
                    pooled = is_open and rng.random() < 0.05
                    deadline = NOW + timedelta(minutes=rng.randint(-30 * 1440, 30 * 1440))
                    steps.append({"id": task_id, "process_id": p + 1, "step": f"s{n}",
                                  "kind": "task", "status": "active" if is_open else "done",
                                  "reached_at": NOW - timedelta(days=40)})
                    tasks.append({
                        "id": task_id, "title": f"Task {n} of order {p + 1}",
                        "status": ("open" if n % 2 else "in_progress") if is_open else "done",
                        "assignee_id": None if pooled else user_id, "role": role,
                        "deadline": deadline, "created_at": NOW - timedelta(days=40),
                        "finished_at": None if is_open else deadline, "process_id": p + 1,
                        "step_id": task_id, "checklist": []})
                    links.append({"task_id": task_id, "document_type": "order",
                                  "document_id": p + 1})
                    for kind in ("task_created", "comment", "task_done"):
                        events.append({"at": NOW - timedelta(days=40), "kind": kind,
                                       "task_id": task_id, "process_id": p + 1,
                                       "text": f"{kind} of task {task_id}", "data": {}})
            for table, rows in ((ProcessStep, steps), (Task, tasks), (TaskLink, links),
                                (WorkflowEvent, events)):
                connection.execute(insert(table), rows)
            counts["processes"] += len(batch)
            counts["steps"] += len(steps)
            counts["tasks"] += len(tasks)
            counts["links"] += len(links)
            counts["events"] += len(events)
        # Fresh statistics, as a site that has been running for a while has.
        connection.execute(text("ANALYZE"))
    return counts


def timed(function, arguments: list) -> tuple[float, float, float]:
    """Median and 95th percentile of the wall time, and the median CPU time, in ms.
    SQLite runs inside this process, so the CPU time counts the queries too; it is the
    figure to trust on a machine busy with other work."""
    durations, cpu = [], []
    for argument in arguments:
        start, start_cpu = time.perf_counter(), time.process_time()
        function(argument)
        durations.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    durations.sort()
    return (statistics.median(durations), durations[int(len(durations) * 0.95) - 1],
            statistics.median(cpu))


def plans(platform: Platform, user_id: int) -> None:
    if platform.engine.dialect.name != "sqlite":
        return
    queries = {
        "my tasks": "SELECT id FROM tasks WHERE status IN ('open', 'in_progress') AND "
                    "(assignee_id = :u OR escalated_to_id = :u OR (assignee_id IS NULL AND "
                    "role IN ('manager'))) ORDER BY deadline IS NULL, deadline, id LIMIT 50",
        "overdue": "SELECT id FROM tasks WHERE status IN ('open', 'in_progress') AND "
                   "deadline < :now ORDER BY deadline IS NULL, deadline, id LIMIT 50",
    }
    with platform.engine.connect() as connection:
        for name, sql in queries.items():
            rows = connection.execute(text("EXPLAIN QUERY PLAN " + sql),
                                      {"u": user_id, "now": NOW}).all()
            print(f"  plan of {name}: " + " | ".join(row[-1] for row in rows))


def main() -> None:
    arguments = sys.argv[1:]
    url = None
    if "--db" in arguments:
        at = arguments.index("--db")
        url = arguments[at + 1]
        del arguments[at:at + 2]
    processes = int(arguments[0]) if arguments else 10_000
    with tempfile.TemporaryDirectory() as folder:
        from ordercraft.sdk.testing import test_database_url

        # A PostgreSQL database gets a fresh schema, dropped at the end.
        url, drop = test_database_url(Path(folder), url or "")
        platform = Platform(url, only=[])
        create_all_and_stamp(platform)
        start = time.perf_counter()
        counts = build(platform, processes)
        print(f"database: {platform.engine.dialect.name}; built in "
              f"{time.perf_counter() - start:.1f} s: " +
              ", ".join(f"{value:,} {name}" for name, value in counts.items()))
        measure(platform, processes, counts)
        platform.dispose()
        drop()


def measure(platform: Platform, processes: int, counts: dict[str, int]) -> None:
    if True:
        with platform.session() as session:
            people = list(session.scalars(select(User).where(User.name.like("u%"))))
        open_count = counts["tasks"] * OPEN_PER_PROCESS // TASKS_PER_PROCESS
        with platform.session() as session:
            overdue_total = list_tasks(session, overdue=True, now=NOW, limit=1).total
        print(f"open tasks: {open_count:,}; overdue: {overdue_total:,}; users: {len(people)}")
        samples = [people[n % len(people)] for n in range(50)]

        def my_tasks(user: User) -> None:
            with platform.session(user=user) as session:
                page = list_tasks(session, mine=user, now=NOW)
                [task_dict(task, NOW) for task in page.items]

        def overdue(user: User) -> None:
            with platform.session(user=user) as session:
                page = list_tasks(session, overdue=True, now=NOW)
                [task_dict(task, NOW) for task in page.items]

        def my_overdue(user: User) -> None:
            with platform.session(user=user) as session:
                page = list_tasks(session, mine=user, overdue=True, now=NOW)
                [task_dict(task, NOW) for task in page.items]

        def timeline(document_id: int) -> None:
            with platform.session() as session:
                document_timeline(session, "order", document_id, limit=50)

        for function in (my_tasks, overdue):  # warm the caches once
            function(samples[0])
        with platform.session(user=samples[0]) as session:
            mine_total = list_tasks(session, mine=samples[0], now=NOW).total
        print(f"'my tasks' of one user: {mine_total} open tasks (a page of 50 shown)")
        rng = random.Random(3)
        documents = [rng.randint(1, processes) for _ in range(50)]
        for name, function, argument in (("my tasks", my_tasks, samples),
                                         ("overdue (everyone's)", overdue, samples),
                                         ("my overdue tasks", my_overdue, samples),
                                         ("document timeline", timeline, documents)):
            median, p95, cpu = timed(function, argument)
            print(f"{name:>22}: median {median:6.1f} ms, 95th percentile {p95:6.1f} ms, "
                  f"CPU median {cpu:6.1f} ms")
        plans(platform, samples[0].id)


if __name__ == "__main__":
    main()
