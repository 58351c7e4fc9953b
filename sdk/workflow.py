"""The workflow engine for plugin authors: state machines of your document types,
transitions, tasks, processes and timelines.

A document type in four steps (an order of a sales plugin)::

    from ordercraft.sdk.models import Audited, Base
    from ordercraft.sdk.plugins import hookimpl
    from ordercraft.sdk.workflow import State, StateMachine, Transition, WorkflowDocument

    class Order(WorkflowDocument, Audited, Base):          # 1. the model carries a state
        __tablename__ = "sales_orders"
        __document_type__ = "order"
        __audit_entity__ = "order"
        id: Mapped[int] = mapped_column(primary_key=True)
        number: Mapped[str] = mapped_column(String(20))

    @hookimpl
    def register_state_machines(registry):                 # 2. its machine, as data
        registry.add(StateMachine(
            "order", Order, title_field="number", fields=["shortage_count"],
            states=[State("draft", initial=True), ..., State("closed", final=True),
                    State("cancelled", final=True)],
            transitions=[Transition("confirm", "draft", "confirmed", actions=[reserve]),
                         Transition("cancel", "*", "cancelled", requires_reason=True,
                                    style="danger"), ...]))

    transition(session, order, "confirm")                  # 3. the one way to move it

    workflow_routes(api_bp, "orders", "order")             # 4. API, pages, CLI for free
    #   (ordercraft.sdk.web) POST /api/v1/orders/<id>/transitions/<name>, GET
    #   .../transitions, GET .../timeline; document_panel(order) + the macros of
    #   "workflow/_macros.html" on the order page; (ordercraft.sdk.cli)
    #   document_commands("order") under the plugin's CLI group.

Other plugins react through the same hook: ``registry.add_guard("order", "confirm",
check)``, ``registry.add_action("order", "confirm", create_purchase_requests)``, or
through the ``document_transition`` hook. Business processes (``ordercraft process
import``) start on a transition of your type and create tasks; ``create_task`` makes one
from code (an interaction's next step). A plugin ships process templates through the hook
``process_templates``.

The tables are here for queries of your own: :class:`Task` (``OPEN_STATUSES`` are the
statuses of unfinished tasks), :class:`TaskLink` (a task's documents) and
:class:`WorkflowEvent` (a document's timeline: transitions, comments, task events).
"""

from ordercraft.core.workflow.documents import (
                                                AvailableTransition,
                                                TransitionResult,
                                                WorkflowDocument,
                                                add_comment,
                                                available_transitions,
                                                document_ref,
                                                parse_document_ref,
                                                transition,
)
from ordercraft.core.workflow.engine import cancel_process, list_processes, start_process
from ordercraft.core.workflow.expressions import ExpressionError, compile_expression
from ordercraft.core.workflow.machines import (
                                                ANY_STATE,
                                                Action,
                                                Guard,
                                                State,
                                                StateMachine,
                                                StateMachineRegistry,
                                                Transition,
                                                TransitionContext,
                                                session_machines,
                                                state_machines,
)
from ordercraft.core.workflow.models import OPEN_STATUSES, Task, TaskLink, WorkflowEvent
from ordercraft.core.workflow.processes import import_template, shipped_templates
from ordercraft.core.workflow.tasks import (
                                                comment_task,
                                                complete_task,
                                                create_task,
                                                get_task,
                                                list_tasks,
                                                task_dict,
)
from ordercraft.core.workflow.timeline import (
    changes_text,
    document_timeline,
    field_label,
    value_text,
)
from ordercraft.sdk.deprecation import Deprecated, deprecated_attributes

__all__ = [
    "ANY_STATE", "Action", "AvailableTransition", "ExpressionError", "Guard", "OPEN_STATUSES",
    "State", "StateMachine", "StateMachineRegistry", "Task", "TaskLink", "Transition",
    "TransitionContext", "TransitionResult", "WorkflowDocument", "WorkflowEvent", "add_comment",
    "available_transitions", "cancel_process", "changes_text", "comment_task",
    "compile_expression", "field_label",
    "complete_task", "create_task", "document_ref", "document_timeline", "get_task",
    "import_template", "list_processes", "list_tasks", "parse_document_ref", "session_machines",
    "shipped_templates", "start_process", "state_machines", "task_dict", "transition",
    "value_text",
]

#: The CLI and web helpers moved to the SDK modules of their layer in 1.0.
__getattr__ = deprecated_attributes(__name__, {
    "document_commands": Deprecated("ordercraft.sdk.cli:document_commands", since="1.0",
                                    removed_in="1.1"),
    "document_panel": Deprecated("ordercraft.sdk.web:document_panel", since="1.0",
                                 removed_in="1.1"),
    "workflow_routes": Deprecated("ordercraft.sdk.web:workflow_routes", since="1.0",
                                  removed_in="1.1"),
})
