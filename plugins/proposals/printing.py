"""The proposal's two print forms (HTML and PDF, overridable per site under
``proposals/`` in the site's templates folder): ``internal`` (every component, its cost
and margin) and ``customer`` (the configuration and its characteristics, prices per
group, no costs). Both print the same figures as the API (:func:`.proposals.proposal_dict`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ordercraft.sdk.printing import PrintForm, PrintFormRegistry

FOLDER = Path(__file__).parent / "print_templates"


def _context(internal: bool) -> Any:
    def context(session: Any, proposal: Any) -> dict[str, Any]:
        from ordercraft.plugins.proposals.proposals import get_proposal, proposal_dict

        found = get_proposal(session, proposal.id)
        body = proposal_dict(found, internal=internal)
        templates = {}
        if not internal:
            from sqlalchemy import select

            from ordercraft.plugins.proposals.models import ProductTemplate

            codes = {line.source.get("template") for line in found.lines if line.source}
            templates = {t.code: t for t in session.scalars(
                select(ProductTemplate).where(ProductTemplate.code.in_(
                    [c for c in codes if c])))}
        return {"proposal": found, "body": body, "client": found.client,
                "templates": templates, "internal": internal}
    return context


def register_forms(registry: PrintFormRegistry) -> None:
    registry.add(PrintForm("proposal", "customer", "Proposal (for the client)",
                           "proposals/customer.html", str(FOLDER), _context(False)))
    registry.add(PrintForm("proposal", "internal", "Proposal with costs (internal)",
                           "proposals/internal.html", str(FOLDER), _context(True)))
