"""``/api/v1/calculators``: list, describe and run pricing calculators."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from flask import Blueprint
from pydantic import Field

from ordercraft.core.calc import api as calc
from ordercraft.core.calc.errors import CalculatorBusy
from ordercraft.web.api import API_PREFIX, InputModel, OutputModel, Page, PageQuery, api_route, page
from ordercraft.web.errors import error_response
from ordercraft.web.extension import get_platform, mark_failed, reads_first, request_session

bp = Blueprint("api_calculators", __name__, url_prefix=API_PREFIX)

BUSY = "Every calculator worker was busy, or the user already had as many runs in progress " \
       "as one user may, until the queue's deadline (``Retry-After`` says when to try again)."


@bp.errorhandler(CalculatorBusy)
def busy(exc: CalculatorBusy):
    mark_failed()
    return error_response(429, exc.to_dict(), {"Retry-After": str(exc.retry_after)})


class ChoiceOut(OutputModel):
    value: Any
    label: str


class ParameterOut(OutputModel):
    name: str
    type: Literal["int", "decimal", "str", "bool", "choice"]
    label: str
    unit: str
    help: str
    min: Any = Field(None, description="int, or decimal as text")
    max: Any = None
    step: Any = None
    choices: list[ChoiceOut] | None
    default: Any
    required: bool
    max_length: int | None = None


class FormulaOut(OutputModel):
    name: str
    label: str
    expression: str = Field(description="The formula as Python-like text.")
    latex: str = Field(description="The formula in LaTeX, for documents.")
    unit: str
    line: bool | str = Field(description="False, or the kind of breakdown line it makes.")


class CalculatorSummaryOut(OutputModel):
    name: str
    title: str
    kind: Literal["script", "formula"]
    origin: str = Field(description="builtin, plugin:<name>, site or file.")
    version: str = Field(description="SHA-256 of the source text.")


class CalculatorOut(CalculatorSummaryOut):
    description: str
    params: list[ParameterOut]
    formulas: list[FormulaOut]
    uploaded_by: str | None = None
    uploaded_at: str | None = None


class RunIn(InputModel):
    params: dict[str, Any] = Field(
        default_factory=dict, description="Parameter values by name; numbers may be JSON "
        "numbers or text (text is exact: \"0.1\"). Missing parameters take their default.")
    save: bool = Field(False, description="Store the run (script version, inputs, the "
                                          "catalog entries read, outputs).")
    version: str | None = Field(None, min_length=8, max_length=64,
                                description="Run a stored version of a site script.")


class LineOut(OutputModel):
    kind: Literal["part", "operation", "other"]
    name: str
    sku: str | None
    qty: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal


class FormulaValueOut(FormulaOut):
    value: Any


class RunOut(OutputModel):
    calculator: str
    title: str
    version: str
    origin: str
    params: dict[str, Any]
    total: Decimal
    lines: list[LineOut]
    details: dict[str, Any]
    notes: str
    formulas: list[FormulaValueOut]
    output: str = Field(description="What the script printed.")
    catalog: dict[str, Any] = Field(description="The catalog entries the run read.")
    run_id: int | None = Field(description="The stored run, when save was asked.")


def _summary(info: calc.CalculatorInfo) -> dict[str, Any]:
    return info.to_dict()


@api_route(bp, "/calculators",
           permission="calc.run", query=PageQuery, response=Page[CalculatorSummaryOut],
           errors={429: BUSY})
def list_calculators(query: PageQuery):
    """List the calculators of the site, its plugins and the bundled examples."""
    infos = calc.list_calculators(platform=get_platform(), session=request_session())
    chosen = infos[query.offset:query.offset + query.limit]
    return page([_summary(info) for info in chosen], len(infos), query)


@api_route(bp, "/calculators/<name>", permission="calc.run", response=CalculatorOut,
           errors={404: "No calculator has this name.", 429: BUSY})
def get_calculator(name: str):
    """A calculator: title, description, parameters (and formulas)."""
    info = calc.calculator_info(name, platform=get_platform(), session=request_session(),
                                files=False)
    return info.to_dict()


def _exact(value: Any) -> Any:
    # JSON numbers arrive as floats; their shortest text is what the client wrote
    return Decimal(repr(value)) if isinstance(value, float) else value


@api_route(bp, "/calculators/<name>/runs",
           permission="calc.run", methods=["POST"], body=RunIn, response=RunOut,
           errors={400: "A parameter is wrong (``field`` names it).",
                   404: "No calculator has this name (or version).",
                   422: "The calculator failed: ``code``, ``message`` and the script "
                        "``line``.",
                   429: BUSY})
@reads_first
def run_calculator(name: str, body: RunIn):
    """Run a calculator with the given parameters and return the price and its breakdown."""
    params = {key: _exact(value) for key, value in body.params.items()}
    result = calc.run_calculator(name, params, platform=get_platform(),
                                 session=request_session(), version=body.version,
                                 save=body.save, files=False)
    return result.to_dict(), 201 if result.run_id is not None else 200
