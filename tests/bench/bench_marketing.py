"""Mailing speed: a mailing to 10,000 contacts rendered (sandboxed Jinja, each with its
signed unsubscribe link) and queued in the outbox (spread at the site's rate), each
message recorded and logged on its contact's timeline, in one transaction.

Run: python tests/bench/bench_marketing.py [CONTACTS] [--db=URL]

The site is a new SQLite file (or the database given with --db; a PostgreSQL URL gets a
fresh schema): CONTACTS clients tagged ``school``, one contact each with an e-mail
address, and the group "School clients" (``tag = school``). The figure is the wall (and
CPU) time of ``start_mailing`` for a mailing of mode ``now``, commit included. The target
is under 10 s. Sending is then limited only by the rate (``marketing_mails_per_minute``).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert, select

TARGET_S = 10.0


def build(platform, count: int) -> None:
    from ordercraft.core.models import Contact, Party, PartyTag
    from ordercraft.core.services.users import ensure_roles
    from ordercraft.plugins.crm.groups import create_group

    with platform.session() as session:
        ensure_roles(session)
    with platform.engine.begin() as connection:
        connection.execute(insert(Party), [
            {"id": n, "name": f"Academy {n:05d}", "kind": "client", "source": "exhibition"}
            for n in range(1, count + 1)])
        connection.execute(insert(PartyTag), [{"party_id": n, "tag": "school"}
                                              for n in range(1, count + 1)])
        connection.execute(insert(Contact), [
            {"party_id": n, "name": f"Teacher {n:05d} Smith",
             "email": f"teacher{n:05d}@academy.example", "position": "Head", "channels": []}
            for n in range(1, count + 1)])
    with platform.session() as session:
        create_group(session, "School clients", ["tag = school"])


def main() -> None:
    arguments = [a for a in sys.argv[1:] if not a.startswith("--db")]
    count = int(arguments[0]) if arguments else 10_000
    url = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--db=")), None)
    from ordercraft.core.mail.models import OutboxMessage
    from ordercraft.core.platform import Platform
    from ordercraft.core.schema import create_all_and_stamp
    from ordercraft.plugins.marketing import mailings
    from ordercraft.sdk.testing import test_database_url

    folder = Path(tempfile.mkdtemp(prefix="bench-marketing-"))
    url, drop = test_database_url(folder, url or None)
    platform = Platform(url, only=["crm", "marketing"])
    try:
        create_all_and_stamp(platform)
        build(platform, count)
        platform.start()
        with platform.session() as session:
            mailing_id = mailings.save_mailing(
                session, name="Spring news", group="School clients",
                subject="News for {{ client.name }}",
                body="Dear {{ contact.first_name }},\n\nour new robot kits for "
                     "{{ client.name }} are here.\n\nUnsubscribe: {{ unsubscribe_url }}\n").id
        started, cpu = time.perf_counter(), time.process_time()
        with platform.session() as session:
            result = mailings.start_mailing(session, session.get(mailings.Mailing, mailing_id))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        with platform.session() as session:
            queued = session.scalar(select(func.count()).select_from(OutboxMessage))
        print(f"{platform.engine.dialect.name}: {result['queued']} messages rendered and queued "
              f"({queued} in the outbox) in {wall:.2f} s wall, {cpu:.2f} s CPU "
              f"({result['queued'] / wall:,.0f}/s); target {TARGET_S:.0f} s: "
              f"{'met' if wall < TARGET_S else 'MISSED'}")
    finally:
        platform.dispose()
        if drop:
            drop()


if __name__ == "__main__":
    main()
