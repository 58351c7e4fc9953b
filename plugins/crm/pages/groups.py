"""Client groups: the list with their current sizes, a new group, a group's page with its
rules and members, deleting one."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from ordercraft.plugins.crm.pages import make_blueprint
from ordercraft.sdk.errors import OrdercraftError
from ordercraft.sdk.i18n import _, lazy_gettext
from ordercraft.sdk.web import (
    FORM_ERROR_STATUS,
    Form,
    Pager,
    mark_failed,
    page_arguments,
    permission_required,
    request_session,
)

bp = make_blueprint("crm_groups", "/crm/groups")

FORM_FIELDS = ("name", "match", "rules", "description")
MATCH_CHOICES = [("all", lazy_gettext("Every rule holds")),
                 ("any", lazy_gettext("Any rule holds"))]


def _rule_kinds() -> list[dict[str, object]]:
    from ordercraft.plugins.crm.rules import session_rules

    return session_rules(request_session()).describe()


@bp.get("/")
@permission_required("party.read")
def index():
    from ordercraft.plugins.crm.groups import group_sizes, list_groups

    session = request_session()
    groups = list_groups(session)
    return render_template("crm/groups.html", groups=groups, sizes=group_sizes(session, groups))


@bp.route("/new", methods=["GET", "POST"])
@permission_required("party.write")
def create():
    from ordercraft.plugins.crm.groups import create_group

    if request.method == "GET":
        return render_template("crm/group_form.html", form=Form({"match": "all"}),
                               kinds=_rule_kinds(), matches=MATCH_CHOICES)
    form = Form.from_request(FORM_FIELDS)
    try:
        group = create_group(request_session(), form.values["name"], form.values["rules"],
                             match=form.values["match"], description=form.values["description"])
    except OrdercraftError as exc:
        return (render_template("crm/group_form.html", form=form.fail(exc), kinds=_rule_kinds(),
                                matches=MATCH_CHOICES), FORM_ERROR_STATUS)
    flash(_("Client group “%(name)s” was created.", name=group.name), "success")
    return redirect(url_for("crm_groups.detail", group_id=group.id), code=303)


@bp.get("/<int:group_id>")
@permission_required("party.read")
def detail(group_id: int):
    from ordercraft.plugins.crm.clients import list_clients
    from ordercraft.plugins.crm.groups import get_group, group_rules

    session = request_session()
    group = get_group(session, group_id)
    limit, offset = page_arguments()
    members = list_clients(session, group=group.id, limit=limit, offset=offset)
    pager = Pager(members.total, limit, offset, "crm_groups.detail",
                  {"group_id": group.id, "limit": None if limit == 25 else limit})
    return render_template("crm/group.html", group=group, rules=group_rules(group),
                           members=members, pager=pager)


@bp.post("/<int:group_id>/delete")
@permission_required("party.write")
def delete(group_id: int):
    from ordercraft.plugins.crm.groups import delete_group, get_group

    session = request_session()
    try:
        name = get_group(session, group_id).name
        delete_group(session, group_id)
    except OrdercraftError as exc:
        mark_failed()
        flash(exc.message, "error")
        return redirect(url_for("crm_groups.detail", group_id=group_id), code=303)
    flash(_("Client group “%(name)s” was deleted; its clients stay.", name=name), "success")
    return redirect(url_for("crm_groups.index"), code=303)
