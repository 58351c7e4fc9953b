"""The worked examples of docs/analysis.md come out exactly: each
``<!-- analysis example: KIND file=NAME option=value ... -->`` is followed by an
optional CSV block (the file NAME; later examples reuse it) and a JSON block, the
document the analysis must return, or ``{"error": {...}}``, the error it must raise."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ordercraft.plugins.analysis.errors import AnalysisError
from ordercraft.plugins.analysis.files import analyse_file

DOC = Path(__file__).resolve().parents[1] / "docs" / "analysis.md"
EXAMPLE = re.compile(r"<!-- analysis example: (?P<spec>[^>]*?) -->\n"
                     r"(?:```csv\n(?P<csv>.*?)```\n\n)?```json\n(?P<json>.*?)```", re.S)


def examples() -> list[tuple[str, str, dict[str, str], dict[str, str], object]]:
    files: dict[str, str] = {}
    found = []
    for match in EXAMPLE.finditer(DOC.read_text()):
        kind, *settings = match["spec"].split()
        options = dict(setting.split("=", 1) for setting in settings)
        name = options.pop("file")
        if match["csv"] is not None:
            files[name] = match["csv"]
        found.append((f"{kind}-{name}-{'-'.join(options.values()) or 'defaults'}",
                      kind, {name: files[name]}, options, json.loads(match["json"])))
    return found


EXAMPLES = examples()


def test_the_page_has_its_examples():
    kinds = [kind for _id, kind, _files, _options, _expected in EXAMPLES]
    assert sorted(set(kinds)) == ["abc", "abcxyz", "bcg", "xyz"] and len(kinds) >= 8


@pytest.mark.parametrize("kind,files,options,expected",
                         [example[1:] for example in EXAMPLES],
                         ids=[example[0] for example in EXAMPLES])
def test_worked_example(tmp_path, monkeypatch, kind, files, options, expected):
    monkeypatch.chdir(tmp_path)
    (name, text), = files.items()
    Path(name).write_text(text, encoding="utf-8")
    if "error" in expected:
        with pytest.raises(AnalysisError) as error:
            analyse_file(kind, name, **options)
        assert error.value.to_dict() == expected["error"]
    else:
        assert analyse_file(kind, name, **options) == expected
