"""Run by an add-on environment's Python (conftest.AddonEnvironment): what a signed-in
admin sees of an add-on on a site, as one JSON document on stdout.

``python addon_probe.py URL PASSWORD PAGE API [TABLE]``: the page's status and text, the
menu's links, the API route's status and answer, whether openapi.json lists the route,
and the rows of TABLE (read directly: a disabled add-on's data stays).
"""

import json
import sys

from sqlalchemy import text

from ordercraft.sdk.plugins import Platform
from ordercraft.sdk.testing import Site


def probe(url: str, password: str, page: str, api: str, table: str | None) -> dict:
    platform = Platform(url)
    try:
        client = Site(platform).client("admin", password)
        home = client.get("/").get_data(as_text=True)
        shown = client.get(page)
        answered = client.get(api)
        paths = client.get("/api/v1/openapi.json").get_json()["paths"]
        rows = None
        if table is not None:
            with platform.engine.connect() as connection:
                rows = [list(row) for row in connection.execute(
                    text(f"SELECT * FROM {table} ORDER BY 1"))]
        return {"menu": f'href="{page}"' in home, "page": shown.status_code,
                "page_text": shown.get_data(as_text=True), "api": answered.status_code,
                "api_json": answered.get_json(silent=True), "openapi": api in paths,
                "rows": rows}
    finally:
        platform.dispose()


if __name__ == "__main__":
    arguments = sys.argv[1:] + [None] * (5 - len(sys.argv[1:]))
    print(json.dumps(probe(*arguments), default=str))
