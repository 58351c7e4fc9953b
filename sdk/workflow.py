"""The workflow engine for plugin authors: state machines of your document types,
transitions, tasks, processes and timelines.

A document type in four steps (an order of a sales plugin)::

    from ordercraft.sdk import Audited, Base, hookimpl
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
    #   POST /api/v1/orders/<id>/transitions/<name>, GET .../transitions, GET .../timeline;
    #   document_panel(order) + the macros of "workflow/_macros.html" on the order page;
    #   document_commands("order") under the plugin's CLI group.

Other plugins react through the same hook: ``registry.add_guard("order", "confirm",
check)``, ``registry.add_action("order", "confirm", create_purchase_requests)``, or
through the ``document_transition`` hook. Business processes (``ordercraft process
import``) start on a transition of your type and create tasks; ``create_task`` makes one
from code (an interaction's next step).
"""

from typing import TYPE_CHECKING

from ordercraft.core.cli.workflow import document_commands
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
from ordercraft.core.workflow.models import Task
from ordercraft.core.workflow.processes import import_template, shipped_templates
from ordercraft.core.workflow.tasks import (
    comment_task,
    complete_task,
    create_task,
    get_task,
    list_tasks,
    task_dict,
)
from ordercraft.core.workflow.timeline import document_timeline

__all__ = [
    "ANY_STATE", "Action", "AvailableTransition", "ExpressionError", "Guard", "State",
    "StateMachine", "StateMachineRegistry", "Task", "Transition", "TransitionContext",
    "TransitionResult", "WorkflowDocument", "add_comment", "available_transitions",
    "cancel_process", "comment_task", "compile_expression", "complete_task", "create_task",
    "document_commands", "document_ref", "document_timeline", "get_task", "import_template",
    "list_processes", "list_tasks", "parse_document_ref", "session_machines",
    "shipped_templates", "start_process", "state_machines", "task_dict", "transition",
    "document_panel", "workflow_routes",
]


if TYPE_CHECKING:
    from ordercraft.web.api.workflow import workflow_routes
    from ordercraft.web.views.documents import document_panel


def __getattr__(name: str) -> object:
    # The web helpers import Flask: only on demand, so a plugin's CLI stays light.
    if name == "workflow_routes":
        from ordercraft.web.api.workflow import workflow_routes as routes

        return routes
    if name == "document_panel":
        from ordercraft.web.views.documents import document_panel as panel

        return panel
    raise AttributeError(f"module 'ordercraft.sdk.workflow' has no attribute {name!r}")
