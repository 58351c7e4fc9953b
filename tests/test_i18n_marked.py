"""Every word a template shows is marked for translation (``{{ _("...") }}``).

Each template of the core and of the bundled plugins (pages, print forms, mail templates)
is parsed with Jinja; the text between its tags (``TemplateData``) is stripped of HTML
with ``html.parser`` and any run of letters left over is unmarked text. Attributes a
person reads (``placeholder``, ``title``, ``aria-label``, ``alt``, the ``value`` of a
button) count too. Names and codes that are the same in every language are allowed
explicitly below.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parent.parent
CORE_TEMPLATE_FOLDERS = [ROOT / "web" / "templates", ROOT / "core" / "print_templates",
                         ROOT / "core" / "mail" / "mail_templates"]
PLUGIN_TEMPLATE_KINDS = ("templates", "print_templates", "mail_templates")
#: Every bundled plugin's templates are checked.
PLUGINS_CHECKED: tuple[str, ...] = tuple(
    sorted(p.name for p in (ROOT / "plugins").iterdir() if (p / "__init__.py").is_file()))
#: Text that reads the same in every language.
ALLOWED = frozenset({"Ordercraft", "Oc", "SKU", "PDF", "CSV", "XLSX", "API", "ID", "OK", "×",
                     "SMTP", "UTC", "JSON", "E-mail"})
READ_ATTRIBUTES = frozenset({"placeholder", "title", "aria-label", "alt"})
LETTERS = re.compile(r"[^\W\d_]{2,}")
#: Stands where the template computes something (never a letter).
EXPRESSION = " \x00 "


def plugin_template_folders(names: tuple[str, ...] | None = None) -> list[Path]:
    plugins = sorted(p for p in (ROOT / "plugins").iterdir() if (p / "__init__.py").is_file())
    return [folder for plugin in plugins if names is None or plugin.name in names
            for kind in PLUGIN_TEMPLATE_KINDS if (folder := plugin / kind).is_dir()]


def template_files(folders: list[Path]) -> list[Path]:
    return sorted(path for folder in folders for path in folder.rglob("*")
                  if path.suffix in (".html", ".txt") and path.is_file())


class _Text(HTMLParser):
    """The words of an HTML fragment a person reads: text and read attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        values = dict(attrs)
        for name, value in attrs:
            if value and (name in READ_ATTRIBUTES or (
                    tag == "input" and name == "value"
                    and values.get("type") in ("submit", "button", "reset"))):
                self.found.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.found.append(data)


def _unmarked(text: str) -> list[str]:
    words = [w for w in LETTERS.findall(text) if w not in ALLOWED]
    return [" ".join(text.split())] if words and " ".join(text.split()) not in ALLOWED else []


def unmarked_text(environment: Environment, path: Path) -> list[str]:
    """The unmarked text of one template, each with its line."""
    source = path.read_text(encoding="utf-8")
    tree = environment.parse(source, name=path.name)
    # The template's literal parts, with a mark where an expression or a tag sat, so that
    # an HTML tag cut by an expression (<input value="{{ q }}">) still parses as a tag.
    literal = EXPRESSION.join(node.data for node in tree.find_all(nodes.TemplateData))
    if path.suffix == ".txt":
        texts = literal.split(EXPRESSION.strip())
    else:
        parser = _Text()
        parser.feed(literal)
        parser.close()
        texts = [t for piece in parser.found for t in piece.split(EXPRESSION.strip())]
    found = []
    for text in texts:
        for unmarked in _unmarked(text):
            line = source[:max(source.find(unmarked.split()[0]), 0)].count("\n") + 1
            found.append(f"{path.relative_to(ROOT)}:{line}: {unmarked!r}")
    return found


@pytest.fixture(scope="module")
def environment() -> Environment:
    return Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do", "jinja2.ext.loopcontrols"],
                       trim_blocks=True, lstrip_blocks=True)


def _check(environment: Environment, folders: list[Path]) -> None:
    files = template_files(folders)
    assert files, f"no templates under {folders}"
    found = [line for path in files for line in unmarked_text(environment, path)]
    assert not found, ("text not marked for translation (wrap it in {{ _(\"...\") }}):\n"
                       + "\n".join(found))


def test_the_cores_templates_mark_all_their_text(environment):
    _check(environment, CORE_TEMPLATE_FOLDERS)


@pytest.mark.parametrize("plugin", PLUGINS_CHECKED)
def test_a_plugins_templates_mark_all_their_text(environment, plugin):
    _check(environment, plugin_template_folders((plugin,)))


def test_the_check_finds_unmarked_text_and_attributes(environment, request):
    page = ROOT / "tests" / "_unmarked_example.html"
    request.addfinalizer(page.unlink)
    page.write_text('<h1>{{ _("Orders") }}</h1>\n<p>Nothing here</p>\n'
                    '<input placeholder="Search" value="{{ q }}">\n'
                    '<input type="submit" value="Save"><button value="save">{{ _("Save") }}</button>\n'
                    '<td>{{ order.ref }}</td><span title="{{ _(\'Due\') }}">×</span>\n'
                    '<script>const label = "not read";</script>SKU\n')
    found = unmarked_text(environment, page)
    assert [line.split(": ", 1)[1] for line in found] == ["'Nothing here'", "'Search'",
                                                         "'Save'"]
