"""The demo's orders: every state, and the robot school's order of the story, confirmed
with what the warehouse holds reserved and the rest listed as shortages; seeded once."""

from sqlalchemy import func, select

from ordercraft.core.models import SiteSetting


def test_the_demo_has_orders_in_every_state_and_the_story_order(make_site):
    from ordercraft.core.demo import seed_demo
    from ordercraft.plugins.sales.demo import seed
    from ordercraft.plugins.sales.machine import STATES
    from ordercraft.plugins.sales.models import Order
    from ordercraft.plugins.sales.orders import get_order, line_dict

    site = make_site(plugins=["crm", "sales"])
    with site.session() as session:
        session.add(SiteSetting(key="demo_seeded", value="[]"))  # a site the demo made
    seed_demo(site.platform, "admin-password")

    with site.session() as session:
        states = dict(session.execute(select(Order.state, func.count())
                                      .group_by(Order.state)).all())
        assert set(states) == {state.name for state in STATES}, states
        story = get_order(session, "SO-00001")
        assert story.client.name == "Future Engineers Robotics School"
        assert story.state == "confirmed" and story.deal_id is not None
        lines = [line_dict(line) for line in story.lines]
        assert [(line["item"], str(line["qty"]), str(line["reserved"]), str(line["to_produce"]))
                for line in lines] == [("ROBOT-STD", "10", "6", "4"),
                                    ("KIT-CONSTRUCT", "5", "5", "0"),
                                    ("ROBOT-CUSTOM", "4", "0", "4")]
        total = session.scalar(select(func.count()).select_from(Order))
        # A year of history before the story: shipped orders in each of the last 12 months
        history = session.scalars(select(Order.order_date).where(Order.number.like("SO-H%"))
                                  ).all()
        assert len({(day.year, day.month) for day in history}) == 12
        assert session.scalar(select(func.count()).select_from(Order).where(
            Order.number.like("SO-H%"), Order.state != "shipped")) == 0
        company = session.get(SiteSetting, "company_name").value

    assert company == "RoboWorks Workshop Ltd"
    # Seeding again adds nothing.
    seed_demo(site.platform, "admin-password")
    with site.session() as session:
        seed(session, site.platform)
    with site.session() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == total
    from ordercraft.core.stock import api as stock

    with site.session() as session:
        assert stock.verify(session).ok
