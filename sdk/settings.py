"""Site settings for plugin authors: declare them in the hook ``register_settings``,
read their typed values in services.

::

    @hookimpl
    def register_settings(registry):
        registry.setting("shop_max_discount", "decimal", "15", "Largest discount",
                         "Percent a manager may give without approval.")

    # in a service
    from ordercraft.sdk.settings import get_setting

    limit = get_setting(session, "shop_max_discount")   # Decimal("15") until changed

A plugin's currency follows the company's ``default_currency`` until an administrator
gives the plugin one of its own (an empty value follows again)::

    registry.setting("shop_currency", "str", None, "Shop currency",
                     follows="default_currency", check=currency_code)

An administrator changes a value with ``ordercraft settings set NAME VALUE``; the value
is checked against the declaration (type, choices, the ``check`` function) and a refusal
names the setting and the value. Reference: docs/permissions.md.
"""

from __future__ import annotations

from ordercraft.core.settings import (
                                      SETTING_TYPES,
                                      Setting,
                                      SettingRegistry,
                                      currency_code,
                                      get_setting,
                                      list_settings,
                                      reset_setting,
                                      set_setting,
)

__all__ = ["SETTING_TYPES", "Setting", "SettingRegistry", "currency_code", "get_setting",
           "list_settings", "reset_setting", "set_setting"]
