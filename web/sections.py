"""Sections plugins add to other parts' pages (hook ``page_sections``): a template calls
``page_sections("item", item)`` and includes ``_page_sections.html``."""

from __future__ import annotations

import logging

from flask import Flask

from ordercraft.core.registries import PageSection

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["page_sections"] = page_sections


def page_sections(page: str, obj: object) -> list[PageSection]:
    """The sections the current user sees on ``page`` showing ``obj``, in order."""
    from ordercraft.web.auth import current_user
    from ordercraft.web.extension import get_platform, request_session

    user = current_user()
    if user is None:
        return []
    sections = get_platform().hooks.page_sections(request_session(), user, page, obj)
    return sorted(sections, key=lambda section: (section.order, section.title))
