"""The core's tables. Importing this package registers them on ``Base.metadata``."""

from ordercraft.core.mail import models as mail_models  # noqa: F401  (the outbox's tables)
from ordercraft.core.models.audit import AuditEntry
from ordercraft.core.models.calc import CalcRun, CalcScript
from ordercraft.core.models.custom_fields import CustomField, CustomFieldValue
from ordercraft.core.models.entities import (
    Contact,
    Item,
    ItemGroup,
    ItemUnit,
    LegalEntity,
    Party,
    PartyTag,
    Warehouse,
)
from ordercraft.core.models.jobs import ImportJob
from ordercraft.core.models.site import PluginState, SiteSetting
from ordercraft.core.models.users import (
    ApiToken,
    LoginThrottle,
    Role,
    User,
    UserSession,
    user_roles,
)
from ordercraft.core.stock import models as stock_models  # noqa: F401  (the ledger's tables)
from ordercraft.core.workflow import models as workflow_models  # noqa: F401  (its tables)

__all__ = [
    "ApiToken", "AuditEntry", "CalcRun", "CalcScript", "Contact", "CustomField",
    "CustomFieldValue", "ImportJob", "Item", "ItemGroup", "ItemUnit", "LegalEntity", "LoginThrottle", "Party", "PartyTag",
    "PluginState", "Role", "SiteSetting", "User", "UserSession", "Warehouse", "user_roles",
]
