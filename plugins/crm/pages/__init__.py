"""crm's pages. One blueprint per menu area (so the menu highlights the right entry):
clients, deals, interactions, client groups and the funnel report, plus one that serves
crm's stylesheet. Views parse input, call one service and render; a refused form comes
back with the error next to its field and everything typed kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint

HERE = Path(__file__).resolve().parent.parent
TEMPLATES = str(HERE / "templates")

#: Serves /crm/assets/crm.css (the pages' own styles, on top of the core's).
assets = Blueprint("crm_assets", __name__, url_prefix="/crm/assets",
                   static_folder=str(HERE / "static"), static_url_path="")


def blueprints() -> list[Blueprint]:
    from ordercraft.plugins.crm.pages.clients import bp as clients
    from ordercraft.plugins.crm.pages.deals import bp as deals
    from ordercraft.plugins.crm.pages.groups import bp as groups
    from ordercraft.plugins.crm.pages.interactions import bp as interactions
    from ordercraft.plugins.crm.pages.reports import bp as reports

    return [assets, clients, deals, interactions, groups, reports]


def make_blueprint(name: str, url_prefix: str) -> Blueprint:
    bp = Blueprint(name, __name__, url_prefix=url_prefix, template_folder=TEMPLATES)
    bp.app_template_filter("crm_money")(money_text)
    bp.app_template_filter("crm_when")(when_text)
    bp.app_template_filter("crm_day")(day_text)
    bp.app_template_global("now_utc")(_now)
    bp.app_template_filter("crm_rule")(_rule_sentence)
    return bp


def _rule_sentence(rule: Any) -> str:
    """A group's rule (a ``Rule`` or its dict) as a sentence: ``interacted_within_days !=
    60`` reads "not contacted in the last 60 days"."""
    from ordercraft.plugins.crm.rules import Rule, session_rules
    from ordercraft.sdk.web import request_session

    if isinstance(rule, dict):
        rule = Rule(rule["kind"], str(rule["value"]), bool(rule.get("negate")))
    return session_rules(request_session()).sentence(rule)


def _now() -> Any:
    from ordercraft.sdk.models import utcnow

    return utcnow()


def money_text(value: Any) -> str:
    """``14500`` -> ``€14,500.00`` in the user's locale and the site's currency (the core's
    ``money`` filter; ``—`` for none)."""
    from ordercraft.sdk.web import money_filter

    return "—" if value is None or value == "" else money_filter(value)


def when_text(value: Any) -> str:
    """A moment as a list shows it, in the user's zone: today 14:05, yesterday, 3 days ago
    (the core's ``when`` filter; ``—`` for none)."""
    from ordercraft.sdk.web import when_filter

    return when_filter(value) if value else "—"


def day_text(value: Any) -> str:
    """A day in the user's locale (the core's ``date`` filter; ``—`` for none)."""
    from ordercraft.sdk.web import date_filter

    return date_filter(value) if value else "—"


def user_choices(*, empty: str | None = "—") -> list[tuple[str, str]]:
    """Active users as ``(name, label)`` for a select."""
    from ordercraft.sdk.users import list_users
    from ordercraft.sdk.web import request_session

    choices = [("", empty)] if empty is not None else []
    return choices + [(u.name, u.full_name or u.name) for u in list_users(request_session())
                      if u.active]


def acting_user_name() -> str:
    from ordercraft.sdk.web import current_user

    user = current_user()
    return getattr(user, "name", "") or ""
