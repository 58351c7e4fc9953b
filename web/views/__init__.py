"""The core's blueprints and menu entries, in one place.

To add a core page area: write ``web/views/<area>.py`` (a blueprint named ``bp``),
then add one line to ``CORE_BLUEPRINTS`` (and, for a menu entry, one to
``CORE_MENU``). API routes live in ``web/api/<area>.py`` and are listed here the
same way. See docs/web.md.
"""

from __future__ import annotations

from ordercraft.core.i18n import N_
from ordercraft.core.registries import MenuItem

#: ``"module:attribute"`` of every core blueprint (attribute defaults to ``bp``).
CORE_BLUEPRINTS: list[str] = [
    "ordercraft.web.views.main:bp",
    "ordercraft.web.views.auth:bp",
    "ordercraft.web.views.parties:bp",
    "ordercraft.web.api.root:bp",
    "ordercraft.web.api.parties:bp",
    "ordercraft.web.api.roles:bp",
    "ordercraft.web.api.items:bp",
    "ordercraft.web.views.calc:bp",
    "ordercraft.web.api.calculators:bp",
    "ordercraft.web.views.tasks:bp",
    "ordercraft.web.views.processes:bp",
    "ordercraft.web.views.documents:bp",
    "ordercraft.web.api.tasks:bp",
    "ordercraft.web.api.processes:bp",
    "ordercraft.web.views.stock:bp",
    "ordercraft.web.api.stock:bp",
    "ordercraft.web.views.admin:bp",
    "ordercraft.web.views.site_admin:bp",
    "ordercraft.web.views.profile:bp",
    "ordercraft.web.api.admin:bp",
    "ordercraft.web.views.items:bp",
    "ordercraft.web.views.warehouses:bp",
    "ordercraft.web.views.imports:bp",
    "ordercraft.web.api.catalog:bp",
]

#: The core's entries of the main menu (plugins add theirs with the ``menu_items`` hook).
CORE_MENU: list[MenuItem] = [
    MenuItem(N_("Home"), "main.index", order=0),
    MenuItem(N_("Tasks"), "tasks.index", order=5, permission="task.read"),
    MenuItem(N_("Parties"), "parties.index", order=10, permission="party.read"),
    MenuItem(N_("Items"), "items.index", order=15, permission="item.read"),
    MenuItem(N_("Stock"), "stock.index", order=20, permission="stock.read"),
    MenuItem(N_("Warehouses"), "warehouses.index", order=25, permission="warehouse.read"),
    MenuItem(N_("Calculators"), "calc.index", order=40, permission="calc.run"),
    MenuItem(N_("Processes"), "processes.index", order=80, permission="task.read"),
    # Administration: last in the menu, in a section of its own.
    MenuItem(N_("Users"), "admin.users", order=900, permission="user.admin",
             section=N_("Administration")),
    MenuItem(N_("Roles and permissions"), "admin.roles", order=901, permission="user.admin",
             section=N_("Administration")),
    MenuItem(N_("Plugins"), "site_admin.plugins", order=902, permission="site.admin",
             section=N_("Administration")),
    MenuItem(N_("Company"), "site_admin.company", order=903, permission="site.admin",
             section=N_("Administration")),
    MenuItem(N_("Backups"), "site_admin.backups", order=904, permission="site.admin",
             section=N_("Administration")),
    MenuItem(N_("Audit log"), "admin.audit", order=905, permission="user.admin",
             section=N_("Administration")),
]
