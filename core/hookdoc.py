"""The hooks reference, generated from ``core/hookspecs.py`` and the hookspec modules of
the installed plugins (those a plugin adds with the hook ``add_hookspecs``).

``ordercraft plugins hooks --markdown > docs/hooks.md`` writes it; a test fails
when ``docs/hooks.md`` differs from what this module generates. Sections are the
``# ---- <section>`` comment lines of each hookspec module; each hook shows its typed
signature, whether it stops at the first non-None result, and its whole docstring. The
core's hooks come first, then each plugin's, under the plugin's name.
"""

from __future__ import annotations

import ast
import inspect
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

SECTION_LINE = re.compile(r"^#\s*-{5,}\s*(?P<title>\S.*?)\s*$")


@dataclass(frozen=True)
class HookDoc:
    name: str
    section: str
    signature: str
    firstresult: bool
    doc: str
    #: ``"core"``, or the plugin whose hookspec module declares the hook.
    owner: str = "core"
    #: The module that declares it.
    module: str = "ordercraft.core.hookspecs"

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "plugin": None if self.owner == "core" else self.owner,
                "section": self.section, "signature": self.signature,
                "firstresult": self.firstresult, "doc": self.doc}


def _spec_module() -> ModuleType:
    from ordercraft.core import hookspecs

    return hookspecs


def installed_spec_modules() -> list[tuple[str, ModuleType]]:
    """``(owner, module)``: the core's hookspecs, then those of every installed plugin,
    enabled on a site or not (plugins that cannot be loaded are left out)."""
    import dataclasses

    from ordercraft.core.plugins import discover, load_plugins

    everyone = [dataclasses.replace(p, enabled=True) for p in discover()]
    pm, _order = load_plugins(everyone, strict=False)
    return list(pm.spec_modules)


def collect_installed() -> list[HookDoc]:
    """The hooks of the core and of every installed plugin, core first, then by plugin."""
    modules = installed_spec_modules()
    core = [entry for entry in modules if entry[0] == "core"]
    plugins = sorted((entry for entry in modules if entry[0] != "core"),
                     key=lambda entry: entry[0])
    return [hook for owner, module in [*core, *plugins] for hook in collect(module, owner)]


def collect(module: ModuleType | None = None, owner: str = "core") -> list[HookDoc]:
    """Every hookspec of ``module`` (default ``ordercraft.core.hookspecs``), in file order."""
    module = module or _spec_module()
    project = getattr(module, "PROJECT_NAME", "ordercraft")
    source = Path(inspect.getsourcefile(module) or "").read_text(encoding="utf-8")
    sections: list[tuple[int, str]] = [
        (number, match.group("title"))
        for number, line in enumerate(source.splitlines(), start=1)
        if (match := SECTION_LINE.match(line))]
    hooks: list[HookDoc] = []
    for node in ast.parse(source).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        function = getattr(module, node.name, None)
        spec_options = getattr(function, f"{project}_spec", None)
        if spec_options is None:
            continue
        first_line = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        section = next((title for number, title in reversed(sections) if number < first_line),
                       "")
        hooks.append(HookDoc(
            name=node.name,
            section=section,
            signature=_signature(node),
            firstresult=bool(spec_options.get("firstresult")),
            doc=inspect.cleandoc(ast.get_docstring(node, clean=False) or ""),
            owner=owner,
            module=module.__name__,
        ))
    return hooks


def _signature(node: ast.FunctionDef) -> str:
    """``name(arg: Type, ...) -> Return`` exactly as written in the source."""
    arguments = []
    for argument in node.args.args:
        text = argument.arg
        if argument.annotation is not None:
            text += f": {ast.unparse(argument.annotation)}"
        arguments.append(text)
    returns = f" -> {ast.unparse(node.returns)}" if node.returns is not None else ""
    return f"{node.name}({', '.join(arguments)}){returns}"


_ROLE = re.compile(r":(?:class|func|meth|mod|attr|exc|data|obj):`~?(?P<target>[^`]+)`")
_PARAM = re.compile(r"^:param (?P<name>\w+):\s*", re.MULTILINE)


def _markdown_text(doc: str) -> str:
    """reST docstring -> Markdown: roles and ``literals`` become code, params a list."""
    text = _ROLE.sub(lambda m: f"`{m.group('target').rsplit('.', 1)[-1]}`", doc)
    text = re.sub(r"``([^`]+)``", r"`\1`", text)
    text = _PARAM.sub(lambda m: f"- `{m.group('name')}`: ", text)
    return text


def _title(hook: HookDoc) -> str:
    section = hook.section or "other"
    title = section[:1].upper() + section[1:]
    return title if hook.owner == "core" else f"Plugin {hook.owner}: {section}"


def render_markdown(hooks: list[HookDoc] | None = None, module: ModuleType | None = None) -> str:
    """The reference of ``hooks`` (default: the core's and the installed plugins'), with
    ``module``'s docstring (default: the core's hookspecs) as its introduction and each
    plugin's hookspec docstring before its hooks."""
    module = module or _spec_module()
    hooks = collect_installed() if hooks is None else hooks
    intro = _markdown_text(inspect.cleandoc(module.__doc__ or ""))
    lines = [
        "# Hooks reference",
        "",
        "<!-- Generated from core/hookspecs.py and the plugins' hookspec modules by",
        "     `ordercraft plugins hooks --markdown`; do not edit by hand: edit the",
        "     docstrings and regenerate. -->",
        "",
        intro,
        "",
        "## Contents",
        "",
    ]
    sections: dict[str, list[HookDoc]] = {}
    for hook in hooks:
        sections.setdefault(_title(hook), []).append(hook)
    for title, members in sections.items():
        names = ", ".join(f"[`{h.name}`](#{h.name})" for h in members)
        lines.append(f"- **{title}**: {names}")
    introduced: set[str] = set()
    for title, members in sections.items():
        lines += ["", f"## {title}"]
        owner = members[0].owner
        if owner != "core" and owner not in introduced:
            introduced.add(owner)
            doc = inspect.cleandoc(sys.modules[members[0].module].__doc__ or "")
            lines += ["", f"*Declared by the `{owner}` plugin in `{members[0].module}`.*", "",
                      _markdown_text(doc)]
        for hook in members:
            lines += ["", f"### {hook.name}", "", "```python", hook.signature, "```", ""]
            if hook.firstresult:
                lines += ["*firstresult*: the call stops at the first non-None result.", ""]
            lines.append(_markdown_text(hook.doc))
    return "\n".join(lines).rstrip() + "\n"


def render_text(hooks: list[HookDoc] | None = None) -> str:
    hooks = collect_installed() if hooks is None else hooks
    blocks = []
    section = None
    for hook in hooks:
        title = hook.section if hook.owner == "core" else _title(hook)
        if title != section:
            section = title
            blocks.append(f"== {section} ==")
        flag = "  [firstresult: stops at the first non-None result]" if hook.firstresult else ""
        body = "\n".join(f"    {line}" if line else "" for line in hook.doc.splitlines())
        blocks.append(f"{hook.signature}{flag}\n{body}")
    return "\n\n".join(blocks)
