"""Creating a site: schema plus the first user."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from ordercraft.core.platform import Platform


@dataclass
class InitResult:
    created: bool
    admin_password: str | None = None
    password_generated: bool = False


def initialise_site(platform: Platform, admin_password: str | None = None) -> InitResult:
    """Create the schema and the ``admin`` user; on an existing site, change nothing."""
    from ordercraft.core import schema
    from ordercraft.core.services.users import create_user, hash_password

    if schema.is_initialised(platform):
        return InitResult(created=False)
    generated = admin_password is None
    password = admin_password if admin_password is not None else secrets.token_urlsafe(12)
    hash_password(password)  # validate before touching the database
    from ordercraft.core.secret_key import ensure_key_file

    ensure_key_file(platform.database_url)
    schema.upgrade(platform)
    with platform.session() as session:
        apply_declarations(session)
        create_user(session, "admin", roles=["admin"], password=password,
                    full_name="Administrator")
    return InitResult(created=True, admin_password=password if generated else None,
                      password_generated=generated)


def apply_declarations(session: Any) -> dict[str, Any]:
    """Bring the site up to what the core and its enabled plugins declare: the roles and
    the default grants they have not received yet, and the plugins' custom fields. Run
    when the site is created or upgraded and when a plugin is enabled."""
    from ordercraft.core.custom_fields import sync_declared_fields
    from ordercraft.core.services.users import ensure_roles

    roles = ensure_roles(session)
    return {"roles": sorted(roles), "custom_fields_added": sync_declared_fields(session)}
