"""What a plugin's commands need to behave like the core's.

A command returned by the ``cli_commands`` hook runs inside ``ordercraft``: the site
comes from ``--db`` / ``ORDERCRAFT_DATABASE_URL``; an ``OrdercraftError`` it raises is
reported like the core's (the message naming the field, ``{"ok": false, "error": ...}``
under ``--json``, exit code 2), any other exception as an internal fault (exit 1)::

    import click
    from ordercraft.sdk.cli import acting_session, emit, json_option, table, user_option

    @click.command("checks")
    @user_option
    @json_option
    def checks(user_name, as_json):
        \"\"\"List the open quality checks.\"\"\"
        with acting_session(user_name) as session:       # one transaction
            rows = [check_dict(c) for c in open_checks(session)]
        emit(as_json, {"ok": True, "checks": rows}, lambda: table(rows, ["id", "sku"]))

* ``acting_session(user_name)``: one transaction on the site, acting as that user (their
  permissions apply, the audit log names them) or, with ``None``, as the site's owner.
* ``user_option``: ``--user NAME`` (default: ``ORDERCRAFT_USER``), passed as ``user_name``.
* ``json_option``: ``--json``, passed as ``as_json``.
* ``emit(as_json, document, text)``: prints the document as JSON (decimals as strings,
  dates ISO 8601) or the text (a string or a function that returns it).
* ``table(rows, columns)``: rows of dicts as an aligned text table;
  ``page_text(document, key, columns)`` a page of a list (``Page.to_dict``) as a table
  with "1-50 of 130 (next: --offset 50)"; ``record_text(document, keys)`` one record as
  aligned ``key: value`` lines; ``value_text(value)`` one value as people read it.
* ``document_commands(document_type)``: ``transition``, ``transitions`` and ``timeline``
  for a workflow document's group (``ordercraft order transition 12 confirm``);
  ``parse_document_option("order:12")`` / ``load_document(session, ref)`` for a
  ``--document TYPE:ID`` option of your own.
* ``ready_platform()``: the site's ``Platform``, refusing a database that
  ``ordercraft init`` has not made.
"""

from ordercraft.core.cli.acting import acting_session, user_option
from ordercraft.core.cli.common import emit, json_option, ready_platform, table
from ordercraft.core.cli.documents import document_commands, load_document, parse_document_option
from ordercraft.core.cli.records import page_text, record_text, value_text

__all__ = ["acting_session", "document_commands", "emit", "json_option", "load_document",
           "page_text", "parse_document_option", "ready_platform", "record_text", "table",
           "user_option", "value_text"]
