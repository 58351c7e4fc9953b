"""Administration pages for the site: plugins (enable/disable with the CLI's checks, what
each adds), company settings (details and logo for print forms, currency, numbering,
working calendar) and backups (now, list, download, daily schedule). Needs
``site.admin``."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from ordercraft.core.errors import OrdercraftError
from ordercraft.core.i18n import gettext
from ordercraft.web.auth import permission_required
from ordercraft.web.extension import (
    BLUEPRINT_PLUGINS,
    get_platform,
    mark_failed,
    reads_first,
    request_session,
)
from ordercraft.web.pages import FORM_ERROR_STATUS, Form

bp = Blueprint("site_admin", __name__, url_prefix="/admin")


# --------------------------------------------------------------------------- plugins


def plugin_contributions(app: Any) -> dict[str, dict[str, list[str]]]:
    """What each enabled plugin adds: ``pages`` (its URL rules), ``menu`` (entries) and
    ``commands`` (CLI commands), by plugin name."""
    platform = app.extensions["ordercraft"]
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    owners: dict[str, str] = app.extensions.get(BLUEPRINT_PLUGINS, {})
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        owner = owners.get(rule.endpoint.split(".", 1)[0])
        if owner is not None and not rule.endpoint.endswith(".static"):
            found[owner]["pages"].append(rule.rule)
    for name, items in platform.hooks.call_each("menu_items"):
        found[name]["menu"].extend(item.label for item in items or [])
    for name, commands in platform.hooks.call_each("cli_commands"):
        found[name]["commands"].extend(command.name or "" for command in commands or [])
    return {name: dict(kinds) for name, kinds in found.items()}


def plugin_documents(app: Any) -> list[dict[str, Any]]:
    platform = get_platform()
    contributions = plugin_contributions(app)
    documents = []
    for plugin in platform.plugins:
        document = plugin.as_dict()
        adds = contributions.get(plugin.name, {})
        document["pages"] = adds.get("pages", [])
        document["menu"] = adds.get("menu", [])
        document["commands"] = adds.get("commands", [])
        document["required_by"] = sorted(p.name for p in platform.plugins
                                         if p.enabled and plugin.name in p.requires)
        documents.append(document)
    return documents


@bp.get("/plugins")
@permission_required("site.admin")
def plugins():
    return render_template("admin/plugins.html", plugins=plugin_documents(current_app))


@bp.post("/plugins/<name>/enable")
@permission_required("site.admin")
@reads_first  # the switch is its own transaction (as the CLI's)
def plugin_enable(name: str):
    return _switch(name, "enable")


@bp.post("/plugins/<name>/disable")
@permission_required("site.admin")
@reads_first
def plugin_disable(name: str):
    return _switch(name, "disable")


def _switch(name: str, action: str) -> Any:
    platform = get_platform()
    platform.plugin(name)  # an unknown name is a 404
    try:
        platform.set_plugin_enabled(name, action == "enable")
    except OrdercraftError as exc:  # essential, required, requirements off, cannot load
        flash(exc.message[:1].upper() + exc.message[1:], "error")
        return redirect(url_for("site_admin.plugins"), code=303)
    flash(gettext("Plugin “%(name)s” was enabled.", name=name) if action == "enable"
          else gettext("Plugin “%(name)s” was disabled.", name=name), "success")
    return redirect(url_for("site_admin.plugins"), code=303)


# --------------------------------------------------------------------------- company

COMPANY_SECTION = ("company_name", "company_address", "company_tax_id",
                   "company_registration_no", "company_bank_details", "company_phone",
                   "company_email")
CALENDAR_SECTION = ("working_days", "holidays")
REGION_SECTION = ("default_language", "default_time_zone")
MULTILINE = {"company_address", "company_bank_details", "holidays"}


def company_sections(settings: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The settings of the company page: details, language and time zone, money (every
    ``*currency`` setting), numbering (every ``*_prefix`` setting) and the working
    calendar."""
    by_name = {s["name"]: s for s in settings}
    money = [s for s in settings if s["name"].endswith("currency")]
    numbering = [s for s in settings if s["name"].endswith("_prefix")]
    return [("Company details", [by_name[n] for n in COMPANY_SECTION if n in by_name]),
            ("Language and time zone", [by_name[n] for n in REGION_SECTION if n in by_name]),
            ("Money", sorted(money, key=lambda s: s["name"] != "default_currency")),
            ("Numbering series", numbering),
            ("Working calendar", [by_name[n] for n in CALENDAR_SECTION if n in by_name])]


def _company_page(form: Form | None = None) -> str:
    from ordercraft.core.calendar import WEEKDAYS
    from ordercraft.core.printing import company
    from ordercraft.core.settings import list_settings

    db = request_session()
    sections = company_sections(list_settings(db))
    # A setting that follows another shows empty while it does (the value as placeholder).
    current = {s["name"]: "" if s["value"] is None or (s["follows"] and s["is_default"])
               else str(s["value"]) for _title, group in sections for s in group}
    form = Form({**current, **form.values}, form.errors) if form is not None else Form(current)
    working = set(form.values.get("working_days", "").split(","))
    return render_template("admin/company.html", form=form, sections=sections,
                           weekdays=WEEKDAYS, working=working, multiline=MULTILINE,
                           has_logo=bool(company(db)["logo"]))


@bp.get("/company")
@permission_required("site.admin")
def company():
    return _company_page()


@bp.post("/company")
@permission_required("site.admin")
def company_save():
    """Every field is checked; every error is shown at once and nothing is saved."""
    from ordercraft.core.printing import set_company_logo
    from ordercraft.core.settings import list_settings, set_setting

    db = request_session()
    names = [s["name"] for _title, group in company_sections(list_settings(db)) for s in group]
    # A field the form did not send stays as it is (the weekday boxes send nothing when
    # none is ticked: the form says it showed them).
    sent = [n for n in names if n in request.form or (n == "working_days" and
                                                      "working_days_shown" in request.form)]
    form = Form.from_request([n for n in sent if n != "working_days"])
    if "working_days" in sent:
        form.values["working_days"] = ",".join(request.form.getlist("working_days"))
    for name in sent:
        try:
            set_setting(db, name, form.values[name])
        except OrdercraftError as exc:
            message = exc.message
            if message.startswith(f"{name}: "):
                message = message[len(name) + 2:]
            form.errors[name] = message[:1].upper() + message[1:]
    upload = request.files.get("logo")
    try:
        if request.form.get("remove_logo") == "yes":
            set_company_logo(db, None)
        elif upload is not None and upload.filename:
            set_company_logo(db, upload.read())
    except OrdercraftError as exc:
        message = exc.message.removeprefix("logo: ")
        form.errors["logo"] = message[:1].upper() + message[1:]
    if form.errors:
        mark_failed()
        return _company_page(form), FORM_ERROR_STATUS
    flash(gettext("The company settings were saved."), "success")
    return redirect(url_for("site_admin.company"), code=303)


@bp.get("/company/logo")
@permission_required("site.admin")
def company_logo():
    import base64

    from ordercraft.core.errors import NotFound
    from ordercraft.core.printing import company as company_details

    logo = company_details(request_session())["logo"]
    if not logo:
        raise NotFound("the company has no logo", field="logo")
    header, _, data = logo.partition(",")
    return Response(base64.b64decode(data), mimetype=header[5:].split(";")[0],
                    headers={"Cache-Control": "no-store"})


# --------------------------------------------------------------------------- backups


@bp.get("/backups")
@permission_required("site.admin")
def backups():
    from ordercraft.core.backup import backup_folder, list_backups
    from ordercraft.core.settings import get_setting

    platform = get_platform()
    db = request_session()
    schedule = Form({"backup_daily": "yes" if get_setting(db, "backup_daily") else "",
                     "backup_keep_days": str(get_setting(db, "backup_keep_days"))})
    return render_template("admin/backups.html", backups=list_backups(platform),
                           folder=backup_folder(platform), schedule=schedule)


@bp.post("/backups")
@permission_required("site.admin")
@reads_first  # the copy holds no write lock; its audit entry is written afterwards
def backup_make():
    from ordercraft.core.audit import record_change
    from ordercraft.core.backup import backup_now
    from ordercraft.core.db import begin_writing

    result = backup_now(get_platform())
    db = request_session()
    begin_writing(db)
    record_change(db, "backup", result.path.name, {"bytes": [None, result.bytes]},
                  action="create")
    flash(gettext("Backup %(name)s was made (%(size)s bytes).", name=result.path.name,
                  size=format(result.bytes, ",")), "success")
    return redirect(url_for("site_admin.backups"), code=303)


@bp.get("/backups/<name>")
@permission_required("site.admin")
def backup_download(name: str):
    from flask import send_file

    from ordercraft.core.backup import backup_file

    found = backup_file(get_platform(), name)
    return send_file(found.path, as_attachment=True, download_name=found.name,
                     mimetype="application/octet-stream")


@bp.post("/backups/schedule")
@permission_required("site.admin")
def backup_schedule():
    from ordercraft.core.settings import set_setting

    db = request_session()
    form = Form.from_request(("backup_daily", "backup_keep_days"))
    try:
        set_setting(db, "backup_daily", "yes" if form.values["backup_daily"] else "no")
        set_setting(db, "backup_keep_days", form.values["backup_keep_days"])
    except OrdercraftError as exc:
        mark_failed()
        flash(exc.message, "error")
        return redirect(url_for("site_admin.backups"), code=303)
    flash(gettext("The backup schedule was saved."), "success")
    return redirect(url_for("site_admin.backups"), code=303)
