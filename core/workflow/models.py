"""Tables of the workflow engine: process templates and runs, tasks, and the events
that make up documents' timelines.

Documents are referred to as ``(document_type, document_id)``: the workflow does not
know the plugins' tables, and a plugin's document ids are integers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ordercraft.core.db import Base, utcnow
from ordercraft.core.models.users import User

TASK_STATUSES = ("open", "in_progress", "done", "cancelled")
#: Tasks someone still has to work on.
OPEN_STATUSES = ("open", "in_progress")
PROCESS_STATUSES = ("running", "completed", "cancelled")
#: pending: reached, waiting for the steps in its ``after``; active: its task is open or it
#: waits for a transition; done / cancelled: finished.
STEP_STATUSES = ("pending", "active", "done", "cancelled")


def partial_index(name: str, *columns: str, where: str) -> Index:
    """An index of the rows matching ``where`` only. Besides being small, it keeps the
    planner from judging an index useless because most rows hold NULL in its first
    column (SQLite's statistics count all those NULLs as one value)."""
    return Index(name, *columns, sqlite_where=text(where), postgresql_where=text(where))


class ProcessTemplate(Base):
    """One version of a business-process template; importing a name again adds a version."""

    __tablename__ = "process_templates"
    __table_args__ = (UniqueConstraint("name", "version"),
                      Index("ix_process_templates_current", "current", "name"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(200), default="")
    document_type: Mapped[str | None] = mapped_column(String(50), default=None)
    #: The template as data (the normalised form that ``process export`` writes).
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: The version new runs use; older versions stay for the runs that started on them.
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")


class ProcessTrigger(Base):
    """An automatic start of a template: a document transition, or a schedule."""

    __tablename__ = "process_triggers"
    __table_args__ = (
        CheckConstraint("kind IN ('transition', 'schedule')", name="kind"),
        Index("ix_process_triggers_transition", "kind", "document_type", "transition"),
        Index("ix_process_triggers_due", "kind", "next_run_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("process_templates.id", ondelete="CASCADE"),
                                             index=True)
    #: Position in the template's ``triggers`` list.
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(20))
    document_type: Mapped[str | None] = mapped_column(String(50), default=None)
    transition: Mapped[str | None] = mapped_column(String(50), default=None)
    cron: Mapped[str | None] = mapped_column(String(100), default=None)
    next_run_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)

    template: Mapped[ProcessTemplate] = relationship(lazy="joined")


class ProcessInstance(Base):
    """One run of a template, usually about one document (the order being fulfilled)."""

    __tablename__ = "process_instances"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'completed', 'cancelled')", name="status"),
        Index("ix_process_instances_document", "document_type", "document_id", "status"),
        Index("ix_process_instances_status", "status", "template_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("process_templates.id"))
    template_name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="running")
    document_type: Mapped[str | None] = mapped_column(String(50), default=None)
    document_id: Mapped[int | None] = mapped_column(Integer, default=None)
    #: manual | transition | schedule
    trigger: Mapped[str] = mapped_column(String(20), default="manual")
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    template: Mapped[ProcessTemplate] = relationship(lazy="joined")
    steps: Mapped[list[ProcessStep]] = relationship(
        back_populates="process", order_by="ProcessStep.id", cascade="all, delete-orphan")


class ProcessStep(Base):
    """A step of a running process, each time it is reached (loops reach a step again)."""

    __tablename__ = "process_steps"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'active', 'done', 'cancelled')", name="status"),
        Index("ix_process_steps_process", "process_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_id: Mapped[int] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    reached_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    #: For a ``wait`` step: the transition of the process's document it waits for.
    wait_transition: Mapped[str | None] = mapped_column(String(50), default=None)
    #: For a ``branch`` step: the step it chose.
    outcome: Mapped[str | None] = mapped_column(String(100), default=None)

    process: Mapped[ProcessInstance] = relationship(back_populates="steps")


class Task(Base):
    """Work for a person (or for anyone holding a role), with a deadline."""

    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'in_progress', 'done', 'cancelled')", name="status"),
        # "My tasks": one index range per status, in deadline order...
        Index("ix_tasks_assignee", "assignee_id", "status", "deadline"),
        # ...with the unassigned tasks of the user's roles, and those escalated to them.
        partial_index("ix_tasks_pool", "role", "status", "deadline",
                      where="assignee_id IS NULL"),
        partial_index("ix_tasks_escalated", "escalated_to_id", "status", "deadline",
                      where="escalated_to_id IS NOT NULL"),
        # The overdue list; the escalation and reminder jobs.
        Index("ix_tasks_deadline", "status", "deadline"),
        partial_index("ix_tasks_to_escalate", "status", "deadline", where="escalated_at IS NULL"),
        partial_index("ix_tasks_reminder", "status", "remind_at",
                      where="remind_at IS NOT NULL"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    #: The role the task is for: who may pick it up while it has no assignee.
    role: Mapped[str | None] = mapped_column(String(50), default=None)
    deadline: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    remind_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    #: ``[{"text": "...", "done": false}, ...]``
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    finished_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    process_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instances.id", ondelete="SET NULL"), default=None, index=True)
    step_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_steps.id", ondelete="SET NULL"), default=None)

    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    escalated_to: Mapped[User | None] = relationship(foreign_keys=[escalated_to_id],
                                                     lazy="joined")
    links: Mapped[list[TaskLink]] = relationship(
        back_populates="task", cascade="all, delete-orphan", lazy="selectin",
        order_by="TaskLink.document_type, TaskLink.document_id")
    process: Mapped[ProcessInstance | None] = relationship(lazy="select")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: datetime) -> bool:
        return self.is_open and self.deadline is not None and self.deadline < now


class TaskLink(Base):
    """A document a task is about (an order, its proposal, a purchase request)."""

    __tablename__ = "task_links"
    __table_args__ = (Index("ix_task_links_document", "document_type", "document_id"),)

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"),
                                         primary_key=True)
    document_type: Mapped[str] = mapped_column(String(50), primary_key=True)
    document_id: Mapped[int] = mapped_column(Integer, primary_key=True)

    task: Mapped[Task] = relationship(back_populates="links")


class WorkflowEvent(Base):
    """One line of a timeline: a transition, a comment, something that happened to a task
    or a process. Task events carry ``task_id`` and reach the timelines of every document
    the task links to; the others carry the document itself."""

    __tablename__ = "workflow_events"
    __table_args__ = (
        partial_index("ix_workflow_events_document", "document_type", "document_id", "at",
                      where="document_type IS NOT NULL"),
        partial_index("ix_workflow_events_task", "task_id", "at", where="task_id IS NOT NULL"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    #: transition, comment, task_created, task_started, task_done, task_cancelled,
    #: task_reassigned, task_reminded, task_escalated, task_checked, process_started,
    #: process_completed, process_cancelled
    kind: Mapped[str] = mapped_column(String(30))
    user_id: Mapped[int | None] = mapped_column(Integer, default=None)
    user_name: Mapped[str] = mapped_column(String(100), default="")
    document_type: Mapped[str | None] = mapped_column(String(50), default=None)
    document_id: Mapped[int | None] = mapped_column(Integer, default=None)
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), default=None)
    process_id: Mapped[int | None] = mapped_column(Integer, default=None)
    #: What happened, in a sentence (the timeline shows it as it is).
    text: Mapped[str] = mapped_column(Text, default="")
    #: Structured details (transition names, states, reason, previous assignee...).
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
