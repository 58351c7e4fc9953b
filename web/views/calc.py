"""Calculator pages: the list, and a form generated from a calculator's declared
parameters that shows the price and its breakdown."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, make_response, render_template, request

from ordercraft.core.calc import api as calc
from ordercraft.core.calc.errors import CalculatorBusy, CalculatorError
from ordercraft.core.calc.format import Parameter
from ordercraft.core.errors import ValidationError
from ordercraft.web.auth import permission_required
from ordercraft.web.errors import error_response
from ordercraft.web.extension import get_platform, mark_failed, reads_first, request_session
from ordercraft.web.pages import FORM_ERROR_STATUS, Form

bp = Blueprint("calc", __name__, url_prefix="/calculators")

_TRUE = frozenset({"true", "yes", "on", "1"})
#: A page that cannot be served now: the calculators are busy (the API says 429).
BUSY_STATUS = 503


@bp.errorhandler(CalculatorBusy)
def busy(exc: CalculatorBusy):
    mark_failed()
    response = make_response(error_response(BUSY_STATUS, exc.to_dict()))
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


@bp.get("/")
@permission_required("calc.run")
def index():
    infos = calc.list_calculators(platform=get_platform(), session=request_session())
    return render_template("calc/index.html", infos=infos)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _hint(parameter: Parameter) -> str:
    parts = []
    if parameter.min is not None and parameter.max is not None:
        parts.append(f"{_text(parameter.min)}–{_text(parameter.max)}")
    elif parameter.min is not None:
        parts.append(f"at least {_text(parameter.min)}")
    elif parameter.max is not None:
        parts.append(f"at most {_text(parameter.max)}")
    if parameter.step is not None:
        parts.append(f"in steps of {_text(parameter.step)}")
    text = " ".join(parts)
    if text and parameter.unit:
        text += f" {parameter.unit}"
    return " · ".join(p for p in (text, parameter.help) if p)


def _field(parameter: Parameter) -> dict[str, Any]:
    """How one declared parameter is shown in the form."""
    if parameter.type == "bool":
        control = "checkbox"
    elif parameter.choices is not None:
        control = "select"
    else:
        control = "text"
    label = parameter.label + (f" ({parameter.unit})" if parameter.unit else "")
    return {"name": parameter.name, "label": label, "control": control,
            "required": parameter.required, "hint": _hint(parameter),
            "numeric": parameter.type in ("int", "decimal"),
            "choices": [(_text(value), text) for value, text in parameter.choices or ()]}


def _submitted(parameters: tuple[Parameter, ...]) -> dict[str, str]:
    values = {}
    for parameter in parameters:
        sent = request.form.getlist(parameter.name)
        # a checkbox comes after a hidden "false": the last value is the one that counts
        values[parameter.name] = sent[-1] if sent else ""
    return values


@bp.route("/<name>", methods=["GET", "POST"])
@permission_required("calc.run")
@reads_first
def calculator(name: str):
    platform, session = get_platform(), request_session()
    info = calc.calculator_info(name, platform=platform, session=session, files=False)
    parameters = info.spec.params
    fields = [_field(p) for p in parameters]
    if request.method == "GET":
        form = Form({p.name: _text(p.default) for p in parameters})
        return render_template("calc/run.html", info=info, fields=fields, form=form,
                               result=None, truthy=_TRUE)
    form = Form(_submitted(parameters))
    save = request.form.get("save") == "yes"
    form.values["save"] = "yes" if save else ""
    try:
        result = calc.run_calculator(info.source, {k: v for k, v in form.values.items()
                                                   if k != "save"},
                                     platform=platform, session=session, save=save)
    except ValidationError as exc:
        mark_failed()
        errors = (exc.details or {}).get("errors") or {exc.field or "": exc.message}
        for field_name, message in errors.items():
            key = field_name if field_name in form.values else ""
            if key and message.startswith(f"{key}: "):
                message = message[len(key) + 2:]
            form.errors[key] = message[:1].upper() + message[1:]
        return render_template("calc/run.html", info=info, fields=fields, form=form,
                               result=None, truthy=_TRUE), FORM_ERROR_STATUS
    except CalculatorBusy as exc:
        mark_failed()
        form.errors[""] = exc.message[:1].upper() + exc.message[1:]
        page = render_template("calc/run.html", info=info, fields=fields, form=form,
                               result=None, truthy=_TRUE)
        return page, BUSY_STATUS, {"Retry-After": str(exc.retry_after)}
    except CalculatorError as exc:
        mark_failed()
        where = f" (line {exc.line})" if exc.line else ""
        form.errors[""] = f"The calculator failed{where}: {exc.message}"
        return render_template("calc/run.html", info=info, fields=fields, form=form,
                               result=None, truthy=_TRUE), FORM_ERROR_STATUS
    return render_template("calc/run.html", info=info, fields=fields, form=form,
                           result=result, truthy=_TRUE)
