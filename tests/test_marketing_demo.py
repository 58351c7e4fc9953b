"""marketing's demo data: the EdTech exhibition with its costs and the leads it brought
(showing in the return report), a mailing sent to the schools, a scheduled one and a
survey after delivery — seeded once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select


@pytest.fixture
def demo_site(make_site, monkeypatch):
    from ordercraft.core.demo import SEEDED_SETTING
    from ordercraft.core.models import SiteSetting

    monkeypatch.delenv("ORDERCRAFT_ADMIN_PASSWORD", raising=False)
    site = make_site(plugins=["crm", "marketing"])
    with site.session() as session:
        session.add(SiteSetting(key=SEEDED_SETTING, value="[]"))
    return site


def test_the_demo_exhibition_shows_its_leads_and_a_mailing_is_sent(demo_site):
    from ordercraft.plugins.marketing import campaigns
    from ordercraft.plugins.marketing.models import Campaign, Mailing, MailingMessage

    first = demo_site.cli("demo --no-serve --json")
    assert first.exit_code == 0, first.output + first.stderr
    assert "plugin:marketing" in first.json()["seeded"]
    with demo_site.session() as session:
        expo = session.scalar(select(Campaign).where(Campaign.name == "EdTech exhibition"))
        today = expo.ends_on.isoformat()
        rows = {(r.kind, r.name): r for r in campaigns.return_report(
            session, expo.starts_on.replace(day=1).isoformat(), today)}
        row = rows[("campaign", "EdTech exhibition")]
        assert row.cost == 5070 and row.leads >= 1 and row.cost_per_lead is not None
        assert rows[("channel", "Exhibition")].leads >= 1
        states = dict(session.execute(select(Mailing.state, func.count())
                                      .group_by(Mailing.state)).all())
        assert states == {"sent": 1, "scheduled": 1, "active": 1}
        assert session.scalar(select(func.count()).select_from(MailingMessage)) > 0
        count = session.scalar(select(func.count()).select_from(Campaign))
    again = demo_site.cli("demo --no-serve --json")
    assert again.exit_code == 0
    with demo_site.session() as session:
        assert session.scalar(select(func.count()).select_from(Campaign)) == count
