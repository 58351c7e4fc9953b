"""The workflow engine: document state machines, business processes, tasks, timeline.

* :mod:`~ordercraft.core.workflow.machines` — state machines as data, validated when a
  plugin registers them (hook ``register_state_machines``); other plugins add guards,
  actions and transitions to a registered machine through the same registry.
* :mod:`~ordercraft.core.workflow.documents` — :class:`WorkflowDocument`, the mixin that
  gives a document model its ``state``, and :func:`transition`, the one service that
  moves a document (guards, actions, timeline, hooks, process triggers; atomic).
* :mod:`~ordercraft.core.workflow.processes` — business-process templates as data
  (YAML/JSON): parsing, validation pointing at the step, import and export.
* :mod:`~ordercraft.core.workflow.engine` — running processes: steps, tasks they create,
  waits, branches, triggers and schedules.
* :mod:`~ordercraft.core.workflow.tasks` — tasks: assignment, listing ("my tasks",
  overdue), done, reassignment, comments, reminders and escalation.
* :mod:`~ordercraft.core.workflow.timeline` — a document's history in one query.
* :mod:`~ordercraft.core.workflow.expressions` — the safe expression language of
  conditions (no ``eval``).

Services take a session and, where time matters, ``now`` (naive UTC), so tests and
the scheduler control the clock. This package imports nothing heavy at import time.
"""
