"""purchasing's pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("purchasing", __name__, url_prefix="/purchasing", template_folder="templates")
