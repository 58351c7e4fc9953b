"""A plugin's pages and JSON API routes.

A plugin returns Flask blueprints from the hook ``web_blueprints``; while the plugin is
disabled they answer 404. Views are thin: parse the input, call one service with the
request's session, render. docs/web.md has the rules of a view, the page layout and the
CSS building blocks.

**Pages** extend ``"base.html"`` (the menu, the notices, the user) and use
``request_session()`` — the request's one transaction, acting as the logged-in user,
committed when the response is a success::

    pages = Blueprint("quality", __name__, url_prefix="/quality", template_folder="templates")

    @pages.get("/")
    @login_required                        # or @permission_required("stock.read")
    def index():
        limit, offset = page_arguments()              # ?limit=&offset=, checked
        found = list_checks(request_session(), limit=limit, offset=offset)
        pager = Pager(found.total, limit, offset, "quality.index", {})
        return render_template("quality/list.html", checks=found.items, pager=pager)

A form keeps what was typed and shows a refusal next to its field:
``form = Form.from_request(FIELDS)``; on an ``OrdercraftError`` ``form.fail(exc)`` (the
transaction rolls back) and answer the page again with ``FORM_ERROR_STATUS``. A workflow
document's page shows its buttons and history with ``document_panel(document)`` and the
macros of ``"workflow/_macros.html"``; ``document_url`` links to any document's page.

**API routes** live under ``/api/v1`` (``api_blueprint``); ``api_route`` declares what a
route accepts and answers, and the same declaration validates the input, serialises the
output and writes ``/api/v1/openapi.json``::

    api = api_blueprint("quality_api", __name__)

    class CheckOut(OutputModel):
        id: int
        qty: Decimal                       # answered as an exact decimal string

    @api_route(api, "/quality/checks", query=PageQuery, response=Page[CheckOut])
    def checks(query: PageQuery):
        \"\"\"List the checks waiting for a verdict.\"\"\"
        found = list_checks(request_session(), limit=query.limit, offset=query.offset)
        return page(found.items, found.total, query)

An ``OrdercraftError`` becomes ``{"error": {"code", "message", "field"?}}`` with its
status. ``workflow_routes(api, "orders", "order")`` adds a document type's transition and
timeline routes. The party models (:class:`PartyIn`, :class:`PartyOut`, ...) are the one
schema of the core's parties: a plugin's models about clients or suppliers derive from
them rather than repeating their fields.

**Dates and money** in every template (a plugin's too) go through the filters
``datetime``, ``date``, ``when`` (in the user's time zone and locale), ``number`` and
``money(currency)`` (rounded to the currency's minor unit, the exact value in a
tooltip); in Python the same are ``datetime_filter``, ``date_filter``, ``when_filter``,
``number_filter`` and ``money_filter``. ``current_locale()`` and ``current_time_zone()``
name the reader; ``user_today()`` is today in their zone; ``local_input(moment)`` and
``utc_from_input(text)`` carry a ``datetime-local`` input between the stored UTC moment
and the user's wall-clock time.

A view that does long work before it writes (renders a PDF to mail, runs a calculator)
is marked ``@reads_first`` below its route decorator: its request session only reads (no
write lock on SQLite, so the objects it loaded may be read again at any time), and the
service stores its result in a short ``platform.session()`` of its own.
"""

from ordercraft.sdk.deprecation import Deprecated, deprecated_attributes
from ordercraft.web.api import (
                                API_PREFIX,
                                InputModel,
                                OutputModel,
                                Page,
                                PageQuery,
                                api_blueprint,
                                api_route,
                                page,
                                require_api_user,
)
from ordercraft.web.api.parties import (
                                Channel,
                                ChannelIn,
                                ContactChanges,
                                ContactIn,
                                ContactOut,
                                LegalEntityIn,
                                LegalEntityOut,
                                PartyChanges,
                                PartyDetailOut,
                                PartyFilters,
                                PartyIn,
                                PartyKind,
                                PartyOut,
                                PartyQuery,
)
from ordercraft.web.api.workflow import workflow_routes
from ordercraft.web.auth import current_user, login_required, permission_required
from ordercraft.web.extension import mark_failed, reads_first, request_session
from ordercraft.web.formatting import (
                                current_locale,
                                current_time_zone,
                                date_filter,
                                datetime_filter,
                                local_input,
                                money_filter,
                                number_filter,
                                user_today,
                                utc_from_input,
                                when_filter,
)
from ordercraft.web.pages import (
    FORM_ERROR_STATUS,
    Form,
    Pager,
    amount_text,
    page_arguments,
    write_with_posted_run,
)
from ordercraft.web.views.documents import DocumentPanel, document_panel, document_url

__all__ = [
    "API_PREFIX", "Channel", "ChannelIn", "ContactChanges", "ContactIn", "ContactOut",
    "DocumentPanel", "FORM_ERROR_STATUS", "Form", "InputModel", "LegalEntityIn",
    "LegalEntityOut", "OutputModel", "Page", "PageQuery", "Pager", "PartyChanges",
    "PartyDetailOut", "PartyFilters", "PartyIn", "PartyKind", "PartyOut", "PartyQuery",
    "amount_text", "api_blueprint", "api_route", "current_locale", "current_time_zone",
    "current_user", "date_filter", "datetime_filter", "document_panel", "document_url",
    "login_required", "mark_failed", "money_filter", "number_filter", "page",
    "page_arguments", "permission_required", "reads_first", "request_session",
    "require_api_user", "user_today", "utc_from_input", "local_input", "when_filter",
    "workflow_routes", "write_with_posted_run",
]

#: Until 1.0 ``ordercraft.sdk.web`` was the web package itself; a plugin builds no app of
#: its own (tests: ``site.app`` of ``ordercraft.sdk.testing``) and reaches its site with
#: ``ordercraft.sdk.plugins.site_platform(request_session())``.
__getattr__ = deprecated_attributes(__name__, {
    "create_app": Deprecated("ordercraft.web.app:create_app", since="1.0", removed_in="1.1"),
    "get_platform": Deprecated("ordercraft.web.extension:get_platform", since="1.0",
                               removed_in="1.1"),
})
