"""purchasing's JSON API."""

from __future__ import annotations

from flask import Blueprint

from ordercraft.sdk.web import API_PREFIX

bp = Blueprint("purchasing_api", __name__, url_prefix=API_PREFIX)
