"""Custom fields for plugin authors: give your entity custom fields, and declare fields
on any entity.

Register the entity (and, if the plugin wants them, fields of its own)::

    @hookimpl
    def register_custom_fields(registry):
        from my_addon.models import Repair

        registry.entity("repair", Repair, "Repair")
        registry.field("order", "warranty_months", "int", label="Warranty (months)")

Then the entity's code uses these helpers, the same way the bundled crm and sales do:

* **services** — ``save_values(session, "repair", repair.id, custom_fields,
  creating=True)`` after the object is flushed (a refusal names
  ``custom_fields.<name>`` and the value; nothing is saved, the audit entry of the object
  gets the changes); ``values_of(repair)`` in the object's dict (``"custom_fields"``: a
  page of objects costs one query); ``filter_conditions(session, "repair", Repair.id,
  custom_fields)`` in the list's query.
* **JSON API** — ``custom_fields: dict[str, Any] = custom_fields_member("repair",
  "create")`` in the body models (``"change"`` for a PATCH, ``"output"`` in answers) and
  ``cf: dict[str, str] = custom_field_filters("repair")`` in the list's query model
  (``?cf.NAME=value``); ``/api/v1/openapi.json`` lists the site's fields.
* **pages** — ``Form.from_request(FIELDS, "repair")``, ``form.fields``,
  ``form.custom_fields``, ``form.with_custom_fields("repair", values)``; the macros of
  ``_custom_fields.html`` (``custom_field_inputs``, ``custom_field_facts``,
  ``custom_field_filters``, ``csv_link``); ``requested_filters()``,
  ``filter_arguments()``, ``wants_csv()`` and ``csv_response(...)`` in the list view.
* **CLI** — ``field_option`` (``--field NAME=VALUE`` on add/update), ``list_options``
  (``--field`` filters and ``--csv`` on a list) and ``emit_csv(...)``.

Guide: docs/custom-fields.md.
"""

from __future__ import annotations

import importlib
from typing import Any

from ordercraft.core.custom_fields import (
    FIELD_TYPES,
    FILTER_PREFIX,
    KEY,
    CustomFieldRegistry,
    DeclaredField,
    Entity,
    FieldDefinition,
    add_field,
    definitions,
    filter_conditions,
    list_definitions,
    remove_field,
    save_values,
    values_for,
    values_of,
)

#: Helpers of the web and CLI layers, imported on first use (they pull in Flask, pydantic
#: or click, which a service does not need).
_LAZY: dict[str, str] = {
    "custom_fields_member": "ordercraft.web.api.models:custom_fields_member",
    "custom_field_filters": "ordercraft.web.api.models:custom_field_filters",
    "requested_filters": "ordercraft.web.pages:requested_filters",
    "filter_arguments": "ordercraft.web.pages:filter_arguments",
    "wants_csv": "ordercraft.web.pages:wants_csv",
    "csv_response": "ordercraft.web.pages:csv_response",
    "field_option": "ordercraft.core.cli.custom_fields:field_option",
    "list_options": "ordercraft.core.cli.custom_fields:list_options",
    "emit_csv": "ordercraft.core.cli.custom_fields:emit_csv",
}

__all__ = [
    "FIELD_TYPES", "FILTER_PREFIX", "KEY", "CustomFieldRegistry", "DeclaredField", "Entity",
    "FieldDefinition", "add_field", "definitions", "filter_conditions", "list_definitions",
    "remove_field", "save_values", "values_for", "values_of", *_LAZY,
]


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'ordercraft.sdk.custom_fields' has no attribute {name!r}")
    module_name, _, attribute = target.partition(":")
    value = getattr(importlib.import_module(module_name), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
