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
from ordercraft.core.i18n import gettext
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
    from ordercraft.core.permissions import has_permission
    from ordercraft.web.auth import current_user

    return render_template("calc/index.html", infos=infos,
                           can_upload=has_permission(current_user(), "calc.upload"))


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


# --------------------------------------------------------------------------- scripts


@bp.route("/new", methods=["GET", "POST"])
@permission_required("calc.upload")
@reads_first
def add():
    """A new calculator or a new version: a file uploaded or the text typed in the editor."""
    if request.method == "GET":
        return _editor(Form({"name": request.args.get("name", ""), "source": ""}), None)
    return _store(Form.from_request(("name", "source")), None)


@bp.route("/<name>/edit", methods=["GET", "POST"])
@permission_required("calc.upload")
@reads_first
def edit(name: str):
    """The calculator's current text in the editor; saving stores a new version."""
    info = calc.calculator_info(name, platform=get_platform(), session=request_session(),
                                files=False)
    if request.method == "GET":
        return _editor(Form({"name": info.name, "source": info.source.source}), info)
    form = Form.from_request(("source",))
    form.values["name"] = info.name
    return _store(form, info)


def _editor(form: Form, info: Any) -> str:
    return render_template("calc/edit.html", form=form, info=info,
                           max_source=_max_source())


def _max_source() -> int:
    from ordercraft.core.calc.registry import MAX_SOURCE

    return MAX_SOURCE


def _store(form: Form, info: Any) -> Any:
    """The same checks as ``ordercraft calc add``: size, text, name, and the script must
    parse and describe itself in the sandbox."""
    from flask import flash, redirect, url_for

    from ordercraft.core.calc.registry import MAX_SOURCE, name_from_path
    from ordercraft.core.calc.store import add_script
    from ordercraft.core.errors import OrdercraftError

    sent = request.files.get("file")
    source = form.values.get("source", "")
    filename = None
    try:
        if sent is not None and sent.filename:
            data = sent.read(MAX_SOURCE * 4 + 1)
            if len(data) > MAX_SOURCE * 4:
                raise CalculatorError(f"{sent.filename}: the file is larger than a calculator "
                                      f"may be ({MAX_SOURCE} characters)", code="too_large")
            try:
                source = data.decode("utf-8")
            except UnicodeDecodeError:
                raise CalculatorError(f"{sent.filename}: not UTF-8 text", code="bad_text"
                                      ) from None
            filename = sent.filename
            form.values["source"] = source
        if not source.strip():
            raise ValidationError("source: the calculator is empty: upload a .py file or "
                                  "type its text", field="source")
        name = form.values.get("name", "").strip() or (
            name_from_path(filename) if filename else "")
        with get_platform().session(request_session().info.get("user")) as session:
            stored, created = add_script(session, source, name=name or None,
                                         filename=filename)
    except CalculatorBusy:
        raise
    except CalculatorError as exc:
        mark_failed()
        where = f" (line {exc.line})" if exc.line else ""
        form.errors["source"] = f"{exc.message}{where}"
        return _editor(form, info), FORM_ERROR_STATUS
    except OrdercraftError as exc:
        mark_failed()
        key = exc.field if exc.field in ("name", "source") else ""
        message = exc.message
        if key and message.startswith(f"{key}: "):
            message = message[len(key) + 2:]
        form.errors[key] = message[:1].upper() + message[1:]
        return _editor(form, info), FORM_ERROR_STATUS
    flash(gettext("Stored: %(name)s version %(version)s.", name=stored.name,
                  version=stored.version[:12]) if created
          else gettext("Already stored: %(name)s version %(version)s.", name=stored.name,
                       version=stored.version[:12]), "success")
    return redirect(url_for("calc.calculator", name=stored.name), code=303)


# --------------------------------------------------------------------------- kept runs


@bp.get("/runs")
@permission_required("calc.run")
def runs():
    from ordercraft.core.calc.store import list_runs

    name = request.args.get("calculator", "").strip() or None
    before = request.args.get("before", "")
    found = list_runs(request_session(), name, limit=50,
                      before_id=int(before) if before.isdigit() else None)
    return render_template("calc/runs.html", runs=found, calculator=name or "")


@bp.route("/runs/<int:run_id>/rerun", methods=["POST"])
@permission_required("calc.run")
@reads_first
def rerun(run_id: int):
    """Run a kept calculation again with the same script version and inputs, but today's
    prices from the catalogue; show both totals."""
    from ordercraft.core.calc.store import find_script, get_run

    session = request_session()
    run = get_run(session, run_id)
    source = find_script(session, run.calculator, run.version)
    error = None
    result = None
    if source is None:
        error = f"The script version {run.version[:12]} of run {run_id} is not kept."
    else:
        try:
            result = calc.run_calculator(source, run.params, platform=get_platform(),
                                         session=session)
        except (ValidationError, CalculatorError) as exc:
            mark_failed()
            error = exc.message
    return render_template("calc/rerun.html", run=run, result=result, error=error), (
        FORM_ERROR_STATUS if error else 200)
