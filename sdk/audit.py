"""The audit log: who created, changed or deleted which business record, when, and the
fields before and after.

Rows of an :class:`Audited` model are logged by themselves, in the same transaction, by
whatever flushes them (no service can forget); the acting user is the operation's.
Read the log with :func:`audit_entries`::

    from ordercraft.sdk import audit

    for entry in audit.audit_entries(session, entity="deal", entity_id="12"):
        print(audit.audit_entry_dict(entry))
"""

from ordercraft.core.audit import audit_entries, audit_entry_dict
from ordercraft.core.models import AuditEntry
from ordercraft.core.models.audit import Audited

__all__ = ["AuditEntry", "Audited", "audit_entries", "audit_entry_dict"]
