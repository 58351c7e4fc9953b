"""The demo's custom-robot process (``custom-robot-order``, shipped with sales) walked on
real sales orders through a partial shipment: the standard robots leave before the
custom ones are built, so ``start-production`` meets a partially shipped order and is
skipped with a note on the timeline (the template says ``if_not_allowed: skip``); the
process goes on to production and ships the rest. The order's "Short" counter follows
the shipments."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

import sales_kit as kit


@pytest.fixture
def site(make_site):
    from ordercraft.core.workflow.processes import import_shipped

    site = kit.build(make_site)
    with site.session() as session:
        import_shipped(session, ["custom-robot-order"])
    return site


def open_task(site) -> tuple[int, str]:
    from ordercraft.core.workflow.models import Task

    with site.session() as session:
        tasks = list(session.scalars(select(Task).where(Task.status.in_(("open", "in_progress")))))
        assert len(tasks) == 1, [t.title for t in tasks]
        return tasks[0].id, tasks[0].title


def done(site, task_id: int) -> None:
    from ordercraft.core.workflow.tasks import complete_task

    with site.session() as session:
        complete_task(session, task_id, check_all=True)


def short(site, order_id: int) -> int:
    from ordercraft.plugins.sales.orders import get_order

    with site.session() as session:
        return get_order(session, order_id).shortage_count


def test_the_demo_process_goes_through_a_partial_shipment(site):
    from ordercraft.core.stock import api as stock_api
    from ordercraft.core.workflow.models import ProcessInstance
    from ordercraft.core.workflow.timeline import document_timeline

    order_id = kit.order(site, "ROBOT-STD:4", "KIT:3", "ROBOT-CUSTOM:2")
    kit.move(site, order_id, "confirm")
    assert short(site, order_id) == 1  # the custom robots are to be made
    for title in ("Price the custom robots of order SO-00001",
                  "Get the client's approval of the proposal for order SO-00001"):
        task_id, found = open_task(site)
        assert found == title
        done(site, task_id)
    purchase, title = open_task(site)
    assert title == "Purchase the shortages of order SO-00001"
    kit.ship(site, order_id, [(1, 4), (2, 3)])  # the standard robots and kits go first
    assert kit.state(site, order_id) == "partially_shipped"
    assert short(site, order_id) == 1
    done(site, purchase)  # start-production: the order has moved on, the step is skipped
    production, title = open_task(site)
    assert title == "Produce the custom robots of order SO-00001"
    with site.session() as session:
        texts = [e["text"] for e in document_timeline(session, "order", order_id, limit=500).items]
    assert ("Process 'Custom robot order' skipped step 'Start production': "
            "order SO-00001 is already partly shipped, and 'Start "
            "production' is not possible from there") in texts
    with site.session() as session:  # the robots are built
        stock_api.receive(session, "ROBOT-CUSTOM", "MAIN", 2, "2100.00", date=date.today())
    done(site, production)
    shipment, title = open_task(site)
    assert title == "Ship order SO-00001"
    done(site, shipment)  # the process ships the rest
    assert kit.state(site, order_id) == "shipped"
    assert short(site, order_id) == 0
    assert [line["shipped"] for line in kit.lines(site, order_id)] == ["4", "3", "2"]
    with site.session() as session:
        assert session.scalar(select(ProcessInstance.status)) == "completed"


def test_the_short_counter_follows_production(make_site):
    """What production makes for an order's line is reserved for the order (production's
    hook ``production_order_done``): the line is no longer to produce, "Short" drops."""
    import production_kit
    from ordercraft.core.services import items
    from ordercraft.core.stock import api as stock_api
    from ordercraft.plugins.production.boms import add_bom

    site = kit.build(make_site, plugins=["crm", "sales", "production"])
    with site.session() as session:
        items.create_item(session, "CPU", name="Processor", kind="component")
        add_bom(session, "ROBOT-STD", [{"component": "CPU", "qty": 1}])
        stock_api.receive(session, "CPU", "MAIN", 4, "50.00", date=date(2024, 1, 10))
    order_id = kit.order(site, "ROBOT-STD:10", "KIT:20", order_date="2024-03-04",
                         due_date="2024-04-01")
    kit.move(site, order_id, "confirm")
    assert short(site, order_id) == 2  # 4 robots to produce, 12 kits to buy
    production_kit.cli_json(site, "production release MO-00001 --json")
    production_kit.cli_json(site, "production done MO-00001 --date 2024-03-05 --json")
    assert [(line["item"], line["reserved"], line["to_produce"], line["to_buy"])
            for line in kit.lines(site, order_id)] == [("ROBOT-STD", "10", "0", "0"),
                                                        ("KIT", "8", "0", "12")]
    assert short(site, order_id) == 1
