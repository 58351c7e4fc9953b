"""Permission checks. Services check permissions, not views: a service that reads or
changes something first calls :func:`require_session_permission` with the permission it
needs (``"<area>.<action>"``: ``party.read``, ``order.ship``), so the CLI, the JSON API
and the pages refuse the same things the same way (a
:class:`~ordercraft.sdk.errors.PermissionDenied`: exit code 2, HTTP 403)::

    from ordercraft.sdk.permissions import require_session_permission

    def waiting_checks(session):
        require_session_permission(session, "stock.read")
        ...

The acting user is the one the operation was opened for (``platform.session(user)``,
``--user`` on the command line, the logged-in user on the web); ``None`` is the system
itself (the demo, the worker), which may do anything.
"""

from ordercraft.core.permissions import has_permission
from ordercraft.core.permissions import require as require_permission
from ordercraft.core.permissions import require_session_permission

__all__ = ["has_permission", "require_permission", "require_session_permission"]
