"""The demo's proposals: every state, and the robotics school's TCP accepted into an
order whose prepayment invoice is paid (which released it to production); seeded once."""

from sqlalchemy import func, select

from ordercraft.core.models import SiteSetting


def test_the_demo_has_proposals_in_every_state_and_the_story_tcp(make_site):
    from ordercraft.core.demo import seed_demo
    from ordercraft.plugins.proposals.machine import STATES
    from ordercraft.plugins.proposals.models import Proposal
    from ordercraft.plugins.proposals.proposals import get_proposal
    from ordercraft.plugins.sales.invoicing import list_invoices
    from ordercraft.plugins.sales.orders import get_order

    site = make_site(plugins=["crm", "sales", "proposals"])
    with site.session() as session:
        session.add(SiteSetting(key="demo_seeded", value="[]"))
    seed_demo(site.platform, "admin-password")
    with site.session() as session:
        states = dict(session.execute(select(Proposal.state, func.count())
                                      .group_by(Proposal.state)).all())
        assert set(states) == {state.name for state in STATES}, states
        story = get_proposal(session, "TCP-00001")
        assert (story.client.name, story.state, story.version) == (
            "Future Engineers Robotics School", "accepted", 2)
        assert story.approved_by == "admin" and story.lines[2].kind == "calc"
        order = get_order(session, story.order_number)
        assert order.total == story.total and order.state == "in_production"
        [invoice] = list_invoices(session, order=order.id).items
        assert (invoice.kind, invoice.state, invoice.open_amount) == ("prepayment", "paid", 0)
        # One story, one order: the school's only open order is the accepted proposal's.
        from ordercraft.plugins.sales.models import Order

        school_orders = session.scalars(select(Order.number).where(
            Order.party_id == story.party_id, ~Order.number.like("SO-H%"))).all()
        assert school_orders == [order.number], school_orders
        assert order.deal_id == story.deal_id and order.deal_id is not None
        count = session.scalar(select(func.count()).select_from(Proposal))
    seed_demo(site.platform, "admin-password")
    with site.session() as session:
        assert session.scalar(select(func.count()).select_from(Proposal)) == count
