"""crm's demo data: deals at every stage for the demo clients, interactions with next
steps, client groups — seeded once, whatever the number of runs."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select


@pytest.fixture
def demo_site(make_site, monkeypatch):
    """A site with crm whose schema comes from the models, marked as a demo site (as
    ``ordercraft demo`` marks the sites it creates), so the demo seeds it."""
    from ordercraft.core.demo import SEEDED_SETTING
    from ordercraft.core.models import SiteSetting

    monkeypatch.delenv("ORDERCRAFT_ADMIN_PASSWORD", raising=False)
    site = make_site(plugins=["crm"])
    with site.session() as session:
        session.add(SiteSetting(key=SEEDED_SETTING, value="[]"))
    return site


def test_the_demo_shows_a_lived_in_funnel_once(demo_site):
    from ordercraft.core.workflow.models import Task
    from ordercraft.plugins.crm.demo import seed
    from ordercraft.plugins.crm.models import ClientGroup, Deal, Interaction

    first = demo_site.cli("demo --no-serve --json")
    assert first.exit_code == 0, first.output + first.stderr
    assert "plugin:crm" in first.json()["seeded"]

    def counts():
        with demo_site.session() as session:
            return {model.__name__: session.scalar(select(func.count()).select_from(model))
                    for model in (Deal, Interaction, ClientGroup, Task)}

    seeded = counts()
    with demo_site.session() as session:
        states = dict(session.execute(select(Deal.state, func.count(Deal.id))
                                      .group_by(Deal.state)).all())
        clients = session.scalar(select(func.count(func.distinct(Deal.party_id))))
        story = session.scalar(select(Deal).where(Deal.title.like("Robotics classroom%")))
        open_steps = session.scalar(select(func.count(Task.id)).where(Task.status == "open"))
        done_steps = session.scalar(select(func.count(Task.id)).where(Task.status == "done"))
        lost_reasons = set(session.scalars(select(Deal.lost_reason).where(
            Deal.state == "lost")))
    assert set(states) == {"lead", "qualified", "proposal", "negotiation", "won", "lost"}
    assert min(states.values()) >= 5 and clients >= 35
    assert story.state == "negotiation" and story.party.name.startswith("Future Engineers")
    assert open_steps >= 20 and done_steps >= 20 and "" not in lost_reasons
    assert seeded["Interaction"] > seeded["Deal"] and seeded["ClientGroup"] == 4
    with demo_site.session() as session:
        from ordercraft.core.models import AuditEntry

        opened = session.scalar(select(AuditEntry.at).where(
            AuditEntry.entity == "deal", AuditEntry.action == "create",
            AuditEntry.entity_id == str(story.id)))
        assert opened == story.created_at  # the history starts when the deal was opened

    again = demo_site.cli("demo --no-serve --json")
    assert again.exit_code == 0 and again.json()["seeded"] == []
    with demo_site.session() as session:
        seed(session)  # the seeder itself finds its deals and adds nothing
    assert counts() == seeded

    report = demo_site.cli("crm funnel --json").json()["report"]
    assert report["totals"]["deals"] == seeded["Deal"]
    assert report["totals"]["won"] == states["won"] and len(report["by_manager"]) == 2
