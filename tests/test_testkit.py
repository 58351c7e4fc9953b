"""The SDK's test kit: every site is a copy of a template built once per plugin set in
the test process (an SQLite file copy, or a PostgreSQL schema cloned from a template
schema), a database of its own; test passwords are hashed cheaply."""

from __future__ import annotations

import os

from sqlalchemy import func, select

from ordercraft.core.models import Item, User
from ordercraft.core.services.users import create_user


def test_sites_of_one_template_share_nothing(make_site):
    first, second = make_site(plugins=["crm"]), make_site(plugins=["crm"])
    assert first.platform.database_url != second.platform.database_url
    with first.session() as session:
        session.add(Item(sku="only-here", name="Only in the first site"))
    with second.session() as session:
        assert session.scalar(select(func.count()).select_from(Item)) == 0
    for site in (first, second):
        assert site.cli("db status --json").json()["pending"] == []
        assert site.client("admin").get("/").status_code == 200


def test_a_copy_goes_on_numbering_after_the_templates_rows(site):
    with site.session() as session:
        admin = session.scalar(select(User).where(User.name == "admin"))
        added = create_user(session, "clerk", roles=["storekeeper"])
        assert added.id > admin.id
        assert added.role_names == ["storekeeper"]


def test_a_template_is_rebuilt_when_the_process_knows_more_tables(tmp_path, monkeypatch):
    from ordercraft.core.platform import Platform
    from ordercraft.sdk import _site_templates
    from ordercraft.sdk.testing import _populate

    base = os.environ.get("ORDERCRAFT_TEST_DATABASE_URL", "")
    templates = _site_templates.SiteTemplates(
        tmp_path / "templates", postgres_url=base if base.startswith("postgres") else "")
    (tmp_path / "templates").mkdir()
    built = []

    def make_platform(url):
        built.append(url)
        return Platform(url, only=[])

    sites = []
    try:
        for n in range(2):
            sites.append(templates.new_site(tmp_path / f"site{n}", ((), ()), _populate,
                                            make_platform))
        assert len(built) == 1  # two copies of one template
        known = _site_templates._known_tables()
        monkeypatch.setattr(_site_templates, "_known_tables", lambda: known | {"a_new_table"})
        sites.append(templates.new_site(tmp_path / "site2", ((), ()), _populate, make_platform))
        assert len(built) == 2
        for url, _drop in sites:
            platform = Platform(url, only=[])
            with platform.session() as session:
                assert session.scalar(select(User.name)) == "admin"
            platform.dispose()
    finally:
        for _url, drop in sites:
            drop()
        templates.close()


def test_test_passwords_are_hashed_cheaply_and_still_checked(site, monkeypatch):
    from ordercraft.core.services import users

    with site.session() as session:
        create_user(session, "maria", roles=["manager"], password="maria-password")
    assert site.user("maria").password_hash.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert site.client("maria", password="maria-password").get("/").status_code == 200
    # Outside the test kit a site hashes with argon2-cffi's default profile.
    monkeypatch.setattr(users, "_hash_parameters", None)
    assert users.hash_password("a-password").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_a_used_copy_comes_back_as_the_template_or_goes(tmp_path):
    """On PostgreSQL a copy whose test is over is emptied back to the template's rows
    and sequences and serves the next test, unless the test changed its tables."""
    from sqlalchemy import text

    from ordercraft.core.platform import Platform
    from ordercraft.sdk import _site_templates
    from ordercraft.sdk.testing import _populate

    base = os.environ.get("ORDERCRAFT_TEST_DATABASE_URL", "")
    postgres = base.startswith("postgres")
    (tmp_path / "templates").mkdir()
    templates = _site_templates.SiteTemplates(tmp_path / "templates",
                                              postgres_url=base if postgres else "")

    def new_site(name):
        return templates.new_site(tmp_path / name, ((), ()), _populate,
                                  lambda url: Platform(url, only=[]))

    try:
        url, release = new_site("first")
        platform = Platform(url, only=[])
        with platform.session() as session:
            session.add(Item(sku="left-behind", name="Written by the first test"))
            create_user(session, "clerk", roles=["storekeeper"])
        platform.dispose()
        release()
        again, release = new_site("second")
        assert (again == url) is postgres  # the same schema, back to the template
        platform = Platform(again, only=[])
        with platform.session() as session:
            assert session.scalar(select(func.count()).select_from(Item)) == 0
            assert list(session.scalars(select(User.name))) == ["admin"]
            assert create_user(session, "clerk", roles=["storekeeper"]).id == 2
            session.execute(text("CREATE TABLE scratch (id integer)"))
        platform.dispose()
        release()
        third, release = new_site("third")
        assert third != again  # a copy whose tables changed is not used again
        release()
    finally:
        templates.close()
