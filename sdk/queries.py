"""Queries of lists: pages with the size of the whole list, and search that ignores case
the same way on SQLite and PostgreSQL.

Every list that can grow is paginated. :func:`paginate` runs a query for one page and
counts the whole list; :func:`page_bounds` checks a caller's ``limit``/``offset`` (for a
query you page yourself) and a :class:`Page` carries the result::

    from ordercraft.sdk.queries import contains_pattern, fold, fold_text, paginate, search_words

    query = select(Check).order_by(Check.id)
    for word in search_words(search):                      # "robo  york" -> two words
        pattern = contains_pattern(fold_text(session, word))
        query = query.where(fold(session, Check.note).like(pattern, escape="\\\\"))
    page = paginate(session, query, limit, offset)         # Page(items, total, limit, offset)
    page.to_dict("checks", check_dict)                     # {"checks": [...], "total", ...}

``fold(session, column)`` is the column case-folded in SQL (Unicode-aware on SQLite too),
``fold_text`` the same folding of a Python string; ``digits`` keeps the digits of a
column (phones). ``chunks`` splits a long list of ids for ``IN (...)`` queries.
"""

from ordercraft.core.services.queries import (
                                              DEFAULT_LIMIT,
                                              MAX_LIMIT,
                                              Page,
                                              chunks,
                                              contains_pattern,
                                              digits,
                                              fold,
                                              fold_text,
                                              page_bounds,
                                              paginate,
                                              search_words,
)

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "Page", "chunks", "contains_pattern", "digits", "fold",
           "fold_text", "page_bounds", "paginate", "search_words"]
