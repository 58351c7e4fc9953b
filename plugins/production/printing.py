"""Print forms: the production order's job card (components and operations) and the act
of a disassembly or conversion. Templates live in ``print_templates/production/``; a site
overrides one with a file of the same name under ``production/`` in its templates folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ordercraft.sdk.printing import PrintForm, PrintFormRegistry

FOLDER = Path(__file__).parent / "print_templates"


def job_card_context(session: Any, order: Any) -> dict[str, Any]:
    from ordercraft.plugins.production.orders import order_dict

    return {"order": order_dict(session, order)}


def act_context(session: Any, document: Any) -> dict[str, Any]:
    from ordercraft.plugins.production.conversions import conversion_dict

    return {"act": conversion_dict(session, document)}


def register_forms(registry: PrintFormRegistry) -> None:
    registry.add(PrintForm("production_order", "job_card", "Job card",
                           "production/job_card.html", str(FOLDER), job_card_context))
    registry.add(PrintForm("production_conversion", "act", "Disassembly / conversion act",
                           "production/act.html", str(FOLDER), act_context))


def render_form(session: Any, document_type: str, form: str, document: Any, *,
                pdf: bool = False) -> bytes | str:
    from ordercraft.sdk.printing import render_html, render_pdf

    html = render_html(session, document_type, form, document)
    return render_pdf(html) if pdf else html
