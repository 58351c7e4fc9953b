"""A small crm site for the crm tests: two managers, a storekeeper (who may not write
clients), and three clients with contacts. Test files ``import crm_kit as kit`` (the
tests folder is on ``sys.path`` through pytest's ``pythonpath`` setting)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ordercraft.core.db import utcnow

MANAGER_PASSWORD = "maria-password"


def build(make_site: Any, plugins: list[str] | None = None) -> Any:
    site = make_site(plugins=plugins if plugins is not None else ["crm"])
    from ordercraft.core.services.users import create_user
    from ordercraft.plugins.crm.clients import create_client

    with site.session() as session:
        create_user(session, "maria", roles=["manager"], password=MANAGER_PASSWORD,
                    full_name="Maria Kowalski")
        # Only maria logs in (in the web tests): hashing passwords is slow on purpose.
        create_user(session, "tom", roles=["manager"], full_name="Tom Baker")
        create_user(session, "sam", roles=["storekeeper"])
        create_client(session, "Future Engineers School", tags=["school", "key-account"],
                      source="exhibition", tax_id="7701000101", phone="+44 20 7946 0011",
                      email="office@future.example", manager="maria",
                      contacts=[{"name": "Olivia Grant", "position": "Head of STEM",
                                 "phone": "+44 20 7946 0012", "email": "o.grant@future.example",
                                 "channels": [{"kind": "telegram", "value": "@olivia"},
                                              {"kind": "mobile", "value": "+44 7700 900123"}]}],
                      legal_entities=[{"name": "Future Engineers Trust",
                                       "tax_id": "7701000102"}])
        create_client(session, "Bright Minds Academy", tags=["school"], source="seminar",
                      phone="+44 20 7946 0100", email="info@bright.example", manager="tom",
                      contacts=[{"name": "Hannah Lee", "email": "hannah@bright.example"}])
        create_client(session, "Atlas Automation", tags=["corporate"], source="exhibition",
                      phone="+44 20 7946 0200", email="buy@atlas.example", manager="maria")
    return site


def client_id(site: Any, name: str) -> int:
    from ordercraft.plugins.crm.clients import get_client

    with site.session() as session:
        return get_client(session, name).id


def later(days: float = 2) -> datetime:
    return utcnow() + timedelta(days=days)


def deal(site: Any, client: str, title: str, amount: str = "1000", moves: tuple[str, ...] = (),
         reason: str | None = None, **values: Any) -> int:
    from ordercraft.plugins.crm.deals import create_deal, move_deal

    with site.session() as session:
        created = create_deal(session, client, title, amount=amount, **values)
        for name in moves:
            move_deal(session, created.id, name, reason=reason if name == "lose" else None)
        return created.id
