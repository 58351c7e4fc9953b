"""Business-process templates as data: the format, its validation, import and export.

A template (YAML or JSON) describes a process an administrator can change without code::

    name: custom-robot-order            # lower-case, digits, '-' and '_'
    title: Custom robot order
    document_type: order                # what the process is about (optional)
    triggers:
      - transition: confirm             # starts when an order is confirmed...
        when: "custom_count > 0"        # ...and this condition holds
      - manual: true                    # may be started by hand
      - schedule: "0 9 * * 1"           # cron (document-less templates only)
    steps:
      - id: price
        task:
          title: "Price the custom robots of order {number}"
          role: economist               # or: assignee: anna / assignee_field: manager_id
          rule: least_loaded            # least_loaded | round_robin | pool
          deadline: 1d                  # w, d, h, m: "1d 4h"
          remind_before: 4h
          checklist: [Run the robot calculator, Build the proposal]
      - id: shortages
        branch:
          - if: "shortage_count > 0"
            next: purchase
          - else: production
      - id: paid
        wait: {transition: pay}         # or {state: paid}
      - id: ship
        transition: ship                # move the document (done as the system)

A step runs when it is reached: the first step when the process starts, then the
steps in ``next`` of a finished step (by default the step below it; ``next: []`` ends
that path; several names fork). ``after: [a, b]`` makes a step wait until those steps
have finished, when they can still be reached (a join). A branch takes the first
option whose ``if`` holds (``else`` otherwise; with neither the path ends). A cycle is
allowed when a branch inside it leads out and it contains a task or a wait.

Validation points at the step: ``step 'price' (#1): deadline '1x' is not a duration``.

The code lives in three modules, all re-exported here: :mod:`.schedule` (durations
and crontabs), :mod:`.template_compiler` (data to a checked definition; pure, no
database) and :mod:`.template_store` (shipped templates, versioned import, export,
listing).
"""

from __future__ import annotations

from ordercraft.core.workflow.schedule import (
    next_cron_time,
    parse_duration,
)
from ordercraft.core.workflow.template_compiler import (
    ASSIGNMENT_RULES,
    MAX_STEPS,
    PLACEHOLDER,
    STEP_KINDS,
    TRIGGER_KINDS,
    BranchOption,
    ProcessDefinition,
    StepSpec,
    TaskSpec,
    TemplateError,
    TemplateProblem,
    TriggerSpec,
    ValidationContext,
    compile_template,
    dump_template,
    parse_template_text,
)
from ordercraft.core.workflow.template_store import (
    SHIPPED,
    ImportResult,
    current_template,
    definition_of,
    export_template,
    import_shipped,
    import_template,
    list_templates,
    shipped_templates,
    template_details,
    template_summary,
    validation_context,
)

__all__ = ["ASSIGNMENT_RULES", "BranchOption", "ImportResult", "MAX_STEPS", "PLACEHOLDER",
           "ProcessDefinition", "SHIPPED", "STEP_KINDS", "StepSpec", "TRIGGER_KINDS",
           "TaskSpec", "TemplateError", "TemplateProblem", "TriggerSpec", "ValidationContext",
           "compile_template", "current_template", "definition_of", "dump_template",
           "export_template", "import_shipped", "import_template", "list_templates",
           "next_cron_time", "parse_duration", "parse_template_text", "shipped_templates",
           "template_details", "template_summary", "validation_context"]
