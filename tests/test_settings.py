"""Site settings the core and the plugins declare: typed, with defaults, checked when set
(``ordercraft settings list|get|set|reset``), read by services in their type."""

from __future__ import annotations

import types
from decimal import Decimal

import pytest

from ordercraft.core.errors import PluginError, ValidationError
from ordercraft.sdk import hookimpl


def _even(value: int) -> int:
    if value % 2:
        raise ValidationError(f"{value} is odd")
    return value


def shop_plugin() -> types.ModuleType:
    module = types.ModuleType("shop_addon")

    @hookimpl
    def register_settings(registry):
        registry.setting("shop_title", "str", "The shop", "Shop title", "Shown on top.")
        registry.setting("shop_batch", "int", "4", "Batch size", "Even numbers only.",
                         check=_even)
        registry.setting("shop_max_discount", "decimal", "15", "Largest discount")
        registry.setting("shop_open", "bool", "yes", "Open for orders")
        registry.setting("shop_rounding", "choice", "up", "Rounding",
                         choices=("up", "down", "nearest"))

    module.register_settings = register_settings
    return module


def test_hook_register_settings(make_site):
    from ordercraft.sdk.settings import get_setting

    site = make_site(plugins=[], extra_plugins=[shop_plugin()])
    listed = {s["name"]: s for s in site.cli("settings list --json").json()["settings"]}
    assert listed["shop_max_discount"] == {
        "name": "shop_max_discount", "type": "decimal", "label": "Largest discount", "help": "",
        "choices": None, "plugin": "shop_addon", "default": "15", "value": "15",
        "is_default": True, "follows": None}
    assert listed["shop_rounding"]["choices"] == ["up", "down", "nearest"]
    assert listed["shop_open"]["value"] is True and listed["shop_batch"]["value"] == 4
    assert listed["print_templates_dir"]["plugin"] == "core"

    for name, raw, shown in [("shop_title", "  Robots & Co  ", "Robots & Co"),
                             ("shop_batch", "12", 12), ("shop_max_discount", "12.50", "12.50"),
                             ("shop_open", "no", False), ("shop_rounding", "NEAREST", "nearest")]:
        result = site.cli(["settings", "set", name, raw, "--json"])
        assert result.exit_code == 0, result.stderr
        assert result.json()["setting"]["value"] == shown
        assert result.json()["setting"]["is_default"] is False
    with site.session() as session:
        assert get_setting(session, "shop_max_discount") == Decimal("12.50")
        assert get_setting(session, "shop_batch") == 12
        assert get_setting(session, "shop_open") is False
        assert get_setting(session, "shop_title") == "Robots & Co"
    shown = site.cli("settings get shop_max_discount").output
    assert "value:      12.50" in shown and "default:    15" in shown

    reset = site.cli("settings reset shop_max_discount --json").json()["setting"]
    assert (reset["value"], reset["is_default"]) == ("15", True)
    log = site.cli("audit --entity setting --json").json()["entries"]
    assert [e["changes"]["value"] for e in log if e["entity_id"] == "shop_max_discount"] == [
        ["12.50", None], [None, "12.50"]]


def test_a_value_is_checked_and_the_error_names_setting_and_value(make_site):
    site = make_site(plugins=["crm", "sales"], extra_plugins=[shop_plugin()])
    cases = [
        ("settings set shop_batch many", "error: shop_batch: 'many' is not a whole number"),
        ("settings set shop_batch 5", "error: shop_batch: 5 is odd"),
        ("settings set shop_max_discount 0.1234567", "error: shop_max_discount: '0.1234567' "
                                                     "has more than 6 decimal places"),
        ("settings set shop_open perhaps", "error: shop_open: 'perhaps' is not yes or no "
                                           "(true/false, 1/0)"),
        ("settings set shop_rounding sideways", "error: shop_rounding: 'sideways' is not one "
                                                "of up, down, nearest"),
        ("settings set sales_default_tax_rate 120", "error: sales_default_tax_rate: '120' is "
                                                    "not a percentage from 0 to 100"),
        ("settings set sales_number_prefix 'SO 1'", "error: sales_number_prefix: 'SO 1' is not "
                                                    "a prefix (at most 10 characters, no "
                                                    "spaces)"),
        ("settings set print_templates_dir /no/such/folder", "error: print_templates_dir: "
                                                             "'/no/such/folder' is not a folder"),
    ]
    for args, message in cases:
        result = site.cli(args)
        assert (result.exit_code, result.stderr.strip()) == (2, message), args
    unknown = site.cli("settings get shop_colour --json")
    assert unknown.exit_code == 2
    assert unknown.json()["error"]["message"].startswith("setting 'shop_colour' does not exist "
                                                          "(settings: backup_daily,")
    assert site.cli("settings list --json").json()["settings"][0]["is_default"] is True


def test_the_order_number_prefix_is_a_sales_setting(make_site):
    import sales_kit as kit

    site = kit.build(make_site, stock=False)
    assert site.cli("settings set sales_number_prefix RK-").exit_code == 0
    assert site.cli("settings set sales_default_tax_rate 20").exit_code == 0
    order = site.cli(f"order add --client '{kit.CLUB}' --line KIT:1 --json").json()["order"]
    assert order["number"] == "RK-00001"
    assert order["lines"][0]["tax_rate"] == "20"


def test_a_settings_change_needs_site_admin(make_site):
    from ordercraft.core.errors import PermissionDenied
    from ordercraft.core.services.users import create_user
    from ordercraft.core.settings import set_setting

    site = make_site(plugins=[])
    with site.session() as session:
        maria = create_user(session, "maria", roles=["manager"])
    with site.session(maria) as session, pytest.raises(PermissionDenied, match="site.admin"):
        set_setting(session, "company_name", "Robots Ltd")


@pytest.mark.parametrize("declare, message", [
    (lambda r: r.setting("Shop", "str", "", "Shop"), "a setting is named with lower-case"),
    (lambda r: r.setting("company_name", "str", "", "Again"), "already declared by 'core'"),
    (lambda r: r.setting("shop_size", "float", "1", "Size"), "of type 'float'; types: str,"),
    (lambda r: r.setting("shop_mode", "choice", "a", "Mode"), "a choice setting and only a "
                                                              "choice setting has choices"),
    (lambda r: r.setting("shop_batch", "int", "x", "Batch"), "with a default that is not "
                                                             "valid: shop_batch: 'x' is not a "
                                                             "whole number"),
    (lambda r: r.setting("shop_money", "str", None, "Money", follows="shop_currency"),
     "following 'shop_currency', which is not a setting of type 'str' declared before it"),
    (lambda r: r.setting("shop_days", "int", None, "Days", follows="default_currency"),
     "following 'default_currency', which is not a setting of type 'int'"),
])
def test_a_bad_declaration_names_the_plugin(declare, message):
    from ordercraft.core.settings import SettingRegistry, register_core

    registry = SettingRegistry()
    register_core(registry)
    registry.current_plugin = "faulty"
    with pytest.raises(PluginError, match="plugin 'faulty' declares setting") as raised:
        declare(registry)
    assert message in raised.value.message


def test_the_plugins_currencies_follow_the_default_currency_until_set(make_site):
    """sales, proposals and purchasing keep their own currency setting; left unset, it is
    the company's default currency, and an empty value follows it again."""
    from ordercraft.sdk.settings import get_setting

    site = make_site(plugins=["crm", "sales", "proposals", "purchasing"])
    plugin_currencies = ("sales_currency", "proposals_currency", "purchasing_currency")
    listed = {s["name"]: s for s in site.cli("settings list --json").json()["settings"]}
    for name in plugin_currencies:
        assert (listed[name]["value"], listed[name]["follows"], listed[name]["default"],
                listed[name]["is_default"]) == ("EUR", "default_currency", None, True)

    assert site.cli("settings set default_currency usd").exit_code == 0   # stored as USD
    with site.session() as session:
        assert [get_setting(session, n) for n in plugin_currencies] == ["USD"] * 3
    own = site.cli(["settings", "set", "sales_currency", "GBP", "--json"]).json()["setting"]
    assert (own["value"], own["is_default"]) == ("GBP", False)
    with site.session() as session:
        assert [get_setting(session, n) for n in plugin_currencies] == ["GBP", "USD", "USD"]
    again = site.cli(["settings", "set", "sales_currency", "", "--json"]).json()["setting"]
    assert (again["value"], again["is_default"]) == ("USD", True)
    bad = site.cli("settings set purchasing_currency EURO")
    assert (bad.exit_code, bad.stderr.strip()) == (
        2, "error: purchasing_currency: 'EURO' is not a currency code (three letters, e.g. EUR)")
