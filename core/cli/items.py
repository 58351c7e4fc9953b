"""``ordercraft item add|list|show|update|import|unit`` and ``ordercraft item-group``."""

from __future__ import annotations

from typing import Any

import click

from ordercraft.core.cli.common import emit, json_option, ready_platform
from ordercraft.core.cli.custom_fields import emit_csv, field_option, list_options
from ordercraft.core.cli.records import page_text, record_text

SHOW_KEYS = ["id", "sku", "name", "kind", "group", "unit", "unit_precision", "valuation",
             "price", "standard_cost", "description", "active", "created_at", "updated_at",
             "custom_fields"]
LIST_COLUMNS = ["sku", "name", "kind", "unit", "valuation", "price", "active"]


def item_fields(function: Any) -> Any:
    """The options shared by ``add`` and ``update`` (values are checked by the service)."""
    options = [
        click.option("--name", help="What the item is called."),
        click.option("--kind", help="good, component, assembly or service (new items: good)."),
        click.option("--unit", help="Unit of measure, e.g. pc, kg, m (new items: pc)."),
        click.option("--precision", "--unit-precision", "unit_precision", metavar="N",
                     help="Decimal places a quantity may have, 0-6 (new items: 0)."),
        click.option("--valuation", help="fifo or average (new items: fifo)."),
        click.option("--price", metavar="AMOUNT", help="List price per unit, e.g. 9.50."),
        click.option("--standard-cost", "standard_cost", metavar="AMOUNT",
                     help="What a unit should cost, e.g. 25.00 (planned costing may use it; "
                          "'' clears it)."),
        click.option("--description", help="Longer description."),
        click.option("--group", help="Its item group, by name ('' takes it out of any)."),
        field_option,
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.group("item")
def item_group() -> None:
    """Goods, components, assemblies and services."""


@item_group.command("add")
@click.argument("sku")
@item_fields
@json_option
def item_add(sku: str, as_json: bool, **values: Any) -> None:
    """Add the item SKU (--name is required)."""
    from ordercraft.core.services import items

    with ready_platform().session() as session:
        document = items.item_dict(items.create_item(session, sku, **values))
    emit(as_json, {"ok": True, "item": document},
         f"added item {document['sku']} (id {document['id']}): {document['name']}")


@item_group.command("list")
@click.option("--search", help="Words to find in the SKU or name.")
@click.option("--kind", help="Only this kind.")
@click.option("--valuation", help="Only fifo or only average items.")
@click.option("--active/--inactive", default=None, help="Only active or only inactive items.")
@click.option("--limit", metavar="N", help="At most N items (default 50, at most 1000).")
@click.option("--offset", metavar="N", help="Skip the first N items.")
@list_options
@json_option
def item_list(as_json: bool, as_csv: bool, **filters: Any) -> None:
    """List items by SKU."""
    from ordercraft.core.services import items

    with ready_platform().session() as session:
        if as_csv:
            return emit_csv(session, "item", lambda **page: items.list_items(session, **page),
                            items.item_dict, SHOW_KEYS[:-1], filters)
        document = items.list_items(session, **filters).to_dict("items", items.item_dict)
    emit(as_json, {"ok": True, **document}, lambda: page_text(document, "items", LIST_COLUMNS))


@item_group.command("show")
@click.argument("sku")
@json_option
def item_show(sku: str, as_json: bool) -> None:
    """Show the item SKU."""
    from ordercraft.core.services import items

    with ready_platform().session() as session:
        document = items.item_dict(items.get_item(session, sku))
    emit(as_json, {"ok": True, "item": document}, lambda: record_text(document, SHOW_KEYS))


@item_group.command("update")
@click.argument("sku")
@click.option("--sku", "new_sku", metavar="NEW_SKU", help="Rename the item.")
@item_fields
@click.option("--active/--inactive", default=None,
              help="An inactive item is kept but no longer offered.")
@json_option
def item_update(sku: str, new_sku: str | None, as_json: bool, **values: Any) -> None:
    """Change fields of the item SKU (only the options given)."""
    from ordercraft.core.services import items

    with ready_platform().session() as session:
        document = items.item_dict(items.update_item(session, sku, sku=new_sku, **values))
    emit(as_json, {"ok": True, "item": document}, f"updated item {document['sku']}")


@item_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@json_option
def item_import(file: str, as_json: bool) -> None:
    """Add the items of a CSV or XLSX file whose first row names the fields
    (sku, name, kind, unit, unit_precision, valuation, price, description, active, group,
    standard_cost).
    All or nothing: the first bad row is reported and nothing is added. On a terminal a
    progress bar shows the rows saved (not with --json)."""
    from ordercraft.core.cli.common import ProgressBar
    from ordercraft.core.importing import import_items

    bar = ProgressBar(file, quiet=as_json)
    try:
        with ready_platform().session(writes=False) as session:
            result = import_items(session, file, bar)
    finally:
        bar.close()
    emit(as_json, {"ok": True, "entity": "item", "imported": result.count, "file": file},
         f"imported {result.count} items from {file}")


@item_group.command("unit")
@click.argument("sku")
@click.argument("unit")
@click.argument("factor", required=False)
@click.option("--remove", is_flag=True, help="Remove the unit instead.")
@json_option
def item_unit(sku: str, unit: str, factor: str | None, remove: bool, as_json: bool) -> None:
    """Count the item SKU also in UNIT, FACTOR of its own unit each (``item unit SCREW box
    12``: a box is 12 pc); --remove takes the unit away."""
    from ordercraft.core.errors import ValidationError
    from ordercraft.core.services import catalog, items

    with ready_platform().session() as session:
        if remove:
            catalog.remove_unit(session, sku, unit)
        elif factor is None:
            raise ValidationError("give the FACTOR (how many of the item's own unit one "
                                  f"{unit!r} holds), or --remove", field="factor")
        else:
            catalog.set_unit(session, sku, unit, factor)
        item = items.get_item(session, sku)
        units = items.item_dict(item)["units"]
    emit(as_json, {"ok": True, "sku": sku, "units": units},
         f"{sku}: " + (", ".join(f"1 {u['unit']} = {u['factor']} {item.unit}" for u in units)
                       or f"counted in {item.unit} only"))


@click.group("item-group")
def item_group_group() -> None:
    """Item groups: the catalogue's tree (Furniture / Chairs)."""


@item_group_group.command("list")
@json_option
def item_group_list(as_json: bool) -> None:
    """The groups as a tree, with the items directly in each."""
    from ordercraft.core.services import catalog

    with ready_platform().session() as session:
        tree = [{**catalog.group_dict(session, group), "depth": depth, "items": count}
                for group, depth, count in catalog.group_tree(session)]
    emit(as_json, {"ok": True, "groups": tree},
         lambda: "\n".join(f"{'  ' * g['depth']}{g['name']} ({g['items']})" for g in tree)
         or "no item groups")


@item_group_group.command("add")
@click.argument("name")
@click.option("--parent", help="The group it belongs under (none: the top).")
@json_option
def item_group_add(name: str, parent: str | None, as_json: bool) -> None:
    """Add the item group NAME."""
    from ordercraft.core.services import catalog

    with ready_platform().session() as session:
        document = catalog.group_dict(session, catalog.create_group(session, name,
                                                                    parent=parent))
    emit(as_json, {"ok": True, "group": document}, f"added item group {document['path']}")


@item_group_group.command("update")
@click.argument("name")
@click.option("--name", "new_name", help="Rename the group.")
@click.option("--parent", help="Move it under this group ('' moves it to the top).")
@json_option
def item_group_update(name: str, new_name: str | None, parent: str | None,
                      as_json: bool) -> None:
    """Rename the item group NAME or move it in the tree."""
    from ordercraft.core.services import catalog

    with ready_platform().session() as session:
        group = catalog.update_group(session, name, name=new_name, parent=parent or None,
                                     move=parent is not None)
        document = catalog.group_dict(session, group)
    emit(as_json, {"ok": True, "group": document}, f"updated item group {document['path']}")


@item_group_group.command("remove")
@click.argument("name")
@json_option
def item_group_remove(name: str, as_json: bool) -> None:
    """Remove the empty item group NAME."""
    from ordercraft.core.services import catalog

    with ready_platform().session() as session:
        catalog.delete_group(session, name)
    emit(as_json, {"ok": True, "removed": name}, f"removed item group {name}")
