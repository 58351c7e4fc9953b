"""Seeding a plugin's part of the demo site (``ordercraft demo``, hook ``demo_data``).

The core seeds its parties, items, warehouses, users, stock and processes first; then
each enabled plugin's ``demo_data(session, platform)`` runs once per site, in
requirement order, in one transaction. A seeder adds what tells the story of DESIGN.md
(a robotics school ordering robots) and looks lived in::

    from ordercraft.sdk import demo

    @hookimpl
    def demo_data(session):
        school = demo.story_client(session)              # None on a site without it
        users = demo.demo_users(session)                 # manager, engineer, ...
        demo.default_settings(session, {"billing_terms_days": "14"})
        with demo.acting_as(session, users["manager"]):  # the audit log names Maria
            invoices = [create_invoice(session, school, ...) for ...]
        for invoice in invoices:
            invoice.created_at = ...                     # dated in the past
        demo.date_creations(session, Invoice)            # and so is its audit entry
        demo.receive_missing(session, {"ROBOT-STD": Decimal(6)}, {"ROBOT-STD": "910"},
                             warehouse="MAIN", on=date.today() - timedelta(days=90),
                             ref="DEMO-OPENING")

Seeding must not fail on a site whose data differs (a plugin enabled on an older demo):
look things up and leave out what is missing.
"""

from ordercraft.core.seeding import (
                                     STORY_CLIENT,
                                     acting_as,
                                     date_creations,
                                     default_settings,
                                     demo_users,
                                     receive_missing,
                                     story_client,
)

__all__ = ["STORY_CLIENT", "acting_as", "date_creations", "default_settings", "demo_users",
           "receive_missing", "story_client"]
