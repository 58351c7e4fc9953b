"""The demo's production: work centres, the standard robot's BOM (parts -> nodes ->
robot, two stages) and the kit's, and the school's robots in a two-stage order in
progress (the nodes' stage posted at FIFO cost); seeded once; the ledger verifies."""

from sqlalchemy import func, select


def test_the_demo_has_boms_and_a_robot_order_in_progress(make_site):
    from ordercraft.core.demo import seed_demo
    from ordercraft.core.models import SiteSetting
    from ordercraft.core.stock import api as stock_api
    from ordercraft.plugins.production.boms import explosion
    from ordercraft.plugins.production.costing import plan_cost
    from ordercraft.plugins.production.models import Bom
    from ordercraft.plugins.production.orders import get_order, order_dict

    site = make_site(plugins=["production"])
    with site.session() as session:
        session.add(SiteSetting(key="demo_seeded", value="[]"))
    seed_demo(site.platform, "admin-password")
    with site.session() as session:
        rows = explosion(session, "ROBOT-STD", 1)
        assert [(r["level"], r["item"]) for r in rows][:3] == [
            (1, "NODE-CTRL"), (2, "CPU-A4"), (2, "MB-M")]
        cost = plan_cost(session, "ROBOT-STD", method="rolled")
        assert cost["operations"] and cost["total"] != "0.00"
        order = order_dict(session, get_order(session, "MO-00001"))
        assert (order["state"], order["qty"], order["warehouse"], order["output_warehouse"]) \
            == ("in_progress", "4", "PARTS", "MAIN")
        staged = [p for p in order["postings"] if p["purpose"] == "stage_issue"]
        assert len(staged) == 1
        # CPU-A4 from the FIFO layers of the parts store: the 4 oldest of the opening 8
        cpu = next(c for c in order["components"] if c["item"] == "CPU-A4")
        assert (cpu["consumed"], cpu["consumed_value"]) == ("4", "248.00")
        assert stock_api.verify(session).ok
        count = session.scalar(select(func.count()).select_from(Bom))
    seed_demo(site.platform, "admin-password")
    with site.session() as session:
        assert session.scalar(select(func.count()).select_from(Bom)) == count
