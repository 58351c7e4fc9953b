"""Pricing calculators: list them, read their declared parameters, run them.

A calculator is a short Python script (or a formula) that engineers write; the platform
runs it in a sandboxed worker process with time and memory limits, validating the
parameters it declared. ``run_calculator`` takes a calculator's name (a site script, a
plugin's, a bundled example) or a file's path::

    from ordercraft.sdk import calc

    result = calc.run_calculator("door", {"height": 2100, "material": "oak"},
                                 catalog=calc.example_catalog())
    result.total                         # Decimal
    [line.to_dict() for line in result.lines]

With ``platform=`` the site's scripts and catalog are used (plugins' ``catalog_lookup``
first, then the items table) and the run can be kept (``save=True``). A failure is a
:class:`CalculatorError` (or a ``ValidationError`` naming the parameter); a run that
could not start because the user's share of workers was taken is a
:class:`CalculatorBusy` (try again). A kept run's result, to price a document line by
it: ``stored_run(session, run_id)``; the run a calculator page showed, run again and
kept: ``rerun_posted(platform, request.form)``. Writing a
calculator: docs/calculators.md.

**Arithmetic over named numbers** (a KPI's formula over metrics, say) uses the same
parser and whitelist, narrowed to ``+ - * / **``, numbers, the names given and ``min``,
``max``, ``abs``, ``round``; it runs in-process (nothing but checked arithmetic)::

    expression = calc.arithmetic_expression("deals_won / max(deals_closed, 1) * 100",
                                            ["deals_won", "deals_closed"], noun="metric")
    expression.names                     # ("deals_won", "deals_closed")
    expression.evaluate({"deals_won": 3, "deals_closed": 4})   # Decimal("75")
    expression.latex                     # rendered by sympy

An unknown name or anything but arithmetic is a :class:`CalculatorError` (HTTP 422)
with ``field`` set and a message naming the text; division by zero evaluates to
``None``.
"""

from ordercraft.core.calc.api import (
                                      CalcResult,
                                      CalculatorBusy,
                                      CalculatorError,
                                      CalculatorInfo,
                                      CalculatorSource,
                                      Limits,
                                      LookupCatalog,
                                      StaticCatalog,
                                      WorkerPool,
                                      calculator_info,
                                      describe,
                                      example_catalog,
                                      find_calculator,
                                      list_calculators,
                                      rerun_posted,
                                      run_calculator,
)
from ordercraft.core.calc.formula import ArithmeticExpression, arithmetic_expression
from ordercraft.core.calc.store import stored_run

__all__ = ["ArithmeticExpression", "CalcResult", "CalculatorBusy", "CalculatorError", "CalculatorInfo",
           "CalculatorSource", "Limits", "LookupCatalog", "StaticCatalog", "WorkerPool", "arithmetic_expression",
           "calculator_info", "describe",
           "example_catalog", "find_calculator", "list_calculators", "rerun_posted", "run_calculator", "stored_run"]
