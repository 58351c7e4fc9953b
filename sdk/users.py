"""Users of the site and their roles::

    from ordercraft.sdk import users

    maria = users.get_user(session, "manager")
    [users.user_dict(u) for u in users.list_users(session) if u.active]

A user's ``permissions`` come from their roles (``ordercraft.sdk.permissions``);
``create_token`` makes an API token for the JSON API (``Authorization: Bearer ...``).
"""

from ordercraft.core.services.users import (
                                            create_token,
                                            create_user,
                                            get_user,
                                            list_users,
                                            user_dict,
)

__all__ = ["create_token", "create_user", "get_user", "list_users", "user_dict"]
