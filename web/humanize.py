"""History in a person's words, for the timeline macros: a transition reads "confirmed the
order (Draft → Confirmed)", people are named by their full name rather than their login."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, g

from ordercraft.core.i18n import SOURCE_LANGUAGE, current_locale, gettext

#: Verbs whose past tense is not the regular one (or doubles its last letter).
_IRREGULAR = {"send": "sent", "ship": "shipped", "cancel": "cancelled", "win": "won",
              "lose": "lost", "put": "put", "begin": "began", "stop": "stopped",
              "plan": "planned", "submit": "submitted", "set": "set", "pay": "paid",
              "split": "split", "make": "made", "write": "wrote", "get": "got",
              "run": "ran", "hold": "held", "undo": "undid", "redo": "redid", "do": "did",
              "done": "completed", "won": "won", "lost": "lost"}
#: A stored transition line: "<label>: <from> → <to>" (and the reason in brackets).
_TRANSITION_TEXT = re.compile(r"^(?P<title>.+?): (?P<rest>[^:]*→.*)$", re.S)


def past_tense(phrase: str) -> str:
    """``Confirm`` -> ``confirmed``, ``Send proposal`` -> ``sent proposal``, ``Ship`` ->
    ``shipped``: the first word of a transition's name or title in the past tense."""
    first, _, rest = phrase.strip().replace("_", " ").partition(" ")
    verb = first.lower()
    if verb in _IRREGULAR:
        done = _IRREGULAR[verb]
    elif verb.endswith("ed"):
        done = verb
    elif verb.endswith("e"):
        done = verb + "d"
    elif re.search(r"[^aeiou]y$", verb):
        done = verb[:-1] + "ied"
    else:
        done = verb + "ed"
    return f"{done} {rest.lower()}".strip()


def timeline_text(entry: Mapping[str, Any], noun: str | None = None) -> str:
    """An entry's text for a person: a transition says what was done to the document
    (``confirmed the order (Draft → Confirmed)``, ``shipped part of the order (...)``);
    in another language it names the transition as its button does (``Confirmer
    (brouillon → confirmée)``); other entries as they were written."""
    text = str(entry.get("text") or "")
    if str(entry.get("kind") or "").startswith("audit_"):
        return _local_moments(text)
    if entry.get("kind") != "transition":
        return text
    match = _TRANSITION_TEXT.match(text)
    if match is None:
        return text
    data = entry.get("data") or {}
    if current_locale() != SOURCE_LANGUAGE:
        return _translated_transition(match.group("title"), match.group("rest"),
                                      data.get("reason"))
    name = str(data.get("transition") or match.group("title"))
    done = past_tense(name)
    if noun:
        what = noun.replace("_", " ")
        done = f"{done} the {what}" if " " not in done else f"{done} of the {what}"
    return f"{done} ({match.group('rest')})"


#: A moment as the audit's change texts write it (``value_text``: UTC, to the minute).
_STORED_MOMENT = re.compile(r"\b(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})\b")


def _local_moments(text: str) -> str:
    """A change text with its moments (stored in UTC) in the reader's zone and locale:
    ``Confirmed at: — → 2026-12-07 18:47`` reads ``... → 12/8/26, 1:47 AM`` in Jakarta."""
    from ordercraft.web.formatting import datetime_filter

    return _STORED_MOMENT.sub(
        lambda found: datetime_filter(f"{found.group(1)}T{found.group(2)}", "short"), text)


def _translated_transition(title: str, rest: str, reason: Any) -> str:
    """A stored transition line in the reader's language: the English past tense cannot be
    translated word by word, so the line names the transition as its button does,
    ``Confirmer (brouillon → confirmée)``; the titles recorded are the catalogue's msgids."""
    suffix = f" ({reason})" if reason and rest.endswith(f" ({reason})") else ""
    source, _, target = rest[:len(rest) - len(suffix)].partition(" → ")
    words = {key: gettext(text.strip()) if text.strip() else text
             for key, text in (("transition", title), ("source", source), ("target", target))}
    return gettext("%(transition)s (%(source)s → %(target)s)", **words) + suffix


def state_text(state: str, document_type: str) -> str:
    """A document's state on a list or a section (``{{ row.state | state_text("order") }}``):
    as written in English (``partially shipped``), else its machine's label translated."""
    text = str(state or "").replace("_", " ")
    if current_locale() == SOURCE_LANGUAGE or not state:
        return text
    from ordercraft.core.workflow.machines import session_machines
    from ordercraft.web.extension import request_session

    machine = session_machines(request_session()).get(document_type)
    found = machine.state(state) if machine is not None else None
    return gettext(found.title) if found is not None else text


def people_names(entries: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """The full names of the users named (by login) in ``entries``' ``user``: one query
    per call, remembered for the request. A login without a full name maps to itself."""
    logins = {str(e["user"]) for e in entries if e.get("user")}
    known: dict[str, str] = g.setdefault("_oc_people", {})
    missing = logins - known.keys()
    if missing:
        from sqlalchemy import select

        from ordercraft.core.models.users import User
        from ordercraft.web.extension import request_session

        for name, full_name in request_session().execute(
                select(User.name, User.full_name).where(User.name.in_(missing))):
            known[name] = full_name or name
        for name in missing - known.keys():
            known[name] = name
    return {login: known[login] for login in logins}


def init_app(app: Flask) -> None:
    app.add_template_filter(timeline_text, "timeline_text")
    app.add_template_filter(state_text, "state_text")
    app.add_template_global(people_names, "people_names")
