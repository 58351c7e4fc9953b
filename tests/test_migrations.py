"""The Alembic branches (core and each bundled plugin) build exactly the schema the
models declare, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ordercraft.core import schema
from ordercraft.core.db import Base
from ordercraft.core.platform import Platform
from ordercraft.sdk.testing import test_database_url


def test_upgrade_builds_the_models_schema(tmp_path):
    url, drop = test_database_url(tmp_path)
    platform = Platform(url)  # every installed plugin, as on a real site
    try:
        applied = schema.upgrade(platform)
        assert applied, "a new database gets every branch's revisions"
        assert schema.pending_revisions(platform) == []
        platform.load_models()
        # Full-text indexes a plugin's migration makes beside its tables (an FTS5 table,
        # a GIN expression index) are listed in ``Base.metadata.info["derived"]``.
        derived = Base.metadata.info.get("derived", set())

        def modelled(obj, name, type_, reflected, compare_to):  # noqa: ANN001, ANN202
            return not (reflected and compare_to is None and name in derived)

        with platform.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_object": modelled})
            differences = compare_metadata(context, Base.metadata)
        assert differences == [], (
            "the models and the migrations differ; regenerate with "
            "'ordercraft db revision -m ... --owner <core|plugin>'")
        assert schema.upgrade(platform) == []  # a second upgrade has nothing to do
    finally:
        platform.dispose()
        drop()
