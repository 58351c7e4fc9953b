"""Helpers of the custom field tests: run a command that must succeed, read CSV, read a
page's text. Test files import it after putting the tests folder on ``sys.path``."""

from __future__ import annotations

import csv
import html as htmllib
import io
import re
from typing import Any


def ok(site: Any, args: str | list[str]) -> Any:
    """Run ``ordercraft ARGS``, which must succeed: its JSON with ``--json``, else its text."""
    result = site.cli(args)
    assert result.exit_code == 0, f"{args}: {result.stderr}"
    return result.json() if "--json" in args else result.output


def rows(csv_text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(csv_text)))


def text(response: Any) -> str:
    """A page's visible text, spaces collapsed."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.get_data(as_text=True),
                  flags=re.S)
    return htmllib.unescape(" ".join(re.sub(r"<[^>]+>", " ", body).split()))
