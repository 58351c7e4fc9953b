"""Errors a plugin raises and meets.

Services refuse with an :class:`OrdercraftError` subclass: a stable ``code``, a message
that names the field and the value (``"qty: 5 is more than the 3 available"``) and,
when it is about one input, ``field``. The platform shows them the same way
everywhere: the CLI prints the message and exits 2, the JSON API answers
``{"error": {"code", "message", "field"?}}`` with the class's status (400
:class:`ValidationError`, 403 :class:`PermissionDenied`, 404 :class:`NotFound`, 409
:class:`Conflict`), a page shows the message next to the field::

    from ordercraft.sdk.errors import ValidationError

    if verdict not in ("passed", "failed"):
        raise ValidationError(f"verdict: {verdict!r} is not passed or failed",
                              field="verdict")

Subclass them for errors of your own (``code = "possible_duplicate"``). Anything else a
plugin's code raises is a bug: inside a hook it becomes a :class:`PluginFault` naming
the plugin and the hook, an internal fault (CLI exit code 1, HTTP 500).
:class:`PluginError` is a plugin that is set up wrongly (a missing requirement, a
misspelt hook, a name two plugins claim), reported at start.
"""

from ordercraft.core.errors import (
                                    Conflict,
                                    NotFound,
                                    OrdercraftError,
                                    PermissionDenied,
                                    PluginError,
                                    PluginFault,
                                    ValidationError,
)

__all__ = ["Conflict", "NotFound", "OrdercraftError", "PermissionDenied", "PluginError",
           "PluginFault", "ValidationError"]
