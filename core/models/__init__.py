"""The core's tables. Importing this package registers them on ``Base.metadata``."""

from ordercraft.core.models.audit import AuditEntry
from ordercraft.core.models.entities import Contact, Item, LegalEntity, Party, PartyTag, Warehouse
from ordercraft.core.models.site import PluginState, SiteSetting
from ordercraft.core.models.users import ApiToken, Role, User, user_roles

__all__ = [
    "ApiToken", "AuditEntry", "Contact", "Item", "LegalEntity", "Party", "PartyTag",
    "PluginState", "Role", "SiteSetting", "User", "Warehouse", "user_roles",
]
