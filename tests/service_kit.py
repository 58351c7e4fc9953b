"""A workshop for the service tests: the sales kit's site with service, the standard robot
serial-tracked with a 24-month warranty, processors in PARTS, and six robot units
(RB-001..RB-006) received with receipt ``GR-1``."""

from __future__ import annotations

from datetime import date
from typing import Any

import sales_kit

SCHOOL = sales_kit.SCHOOL
CLUB = sales_kit.CLUB
UNITS = [f"RB-{n:03d}" for n in range(1, 7)]


def build(make_site: Any) -> Any:
    from ordercraft.core.services import items
    from ordercraft.core.stock import api as stock_api
    from ordercraft.plugins.service import complaints
    from ordercraft.sdk.settings import set_setting

    site = sales_kit.build(make_site, plugins=["crm", "sales", "service", "analysis", "kpi"])
    with site.session() as session:
        items.create_item(session, "CPU-A8", name="Processor A8", kind="component",
                          valuation="fifo", unit="pc", unit_precision=0)
        stock_api.receive(session, "CPU-A8", "PARTS", 10, "98.00", date=date(2024, 1, 10))
        complaints.track_item(session, "ROBOT-STD", warranty_months=24)
        # SLA deadlines count the site's working days: a Monday-to-Friday week.
        set_setting(session, "working_days", "mon,tue,wed,thu,fri")
        complaints.register_serials(session, "ROBOT-STD", UNITS, ref="GR-1",
                                    made_on=date(2024, 1, 10))
    # SLA hours run on the site's working days
    assert site.cli("settings set working_days mon,tue,wed,thu,fri").exit_code == 0
    return site
