"""The kpi plugin's operations, shared by its commands, pages and API: divisions and
their members, KPI definitions (checked: a formula naming an unknown metric or using
anything but arithmetic is refused, naming the field and the value), and scores.

Scoring a period reads each metric the definitions use once, for every manager, through
analysis' service ``metrics`` (one query per metric), then evaluates the formulas in
Python: 50 managers × 12 KPIs is a dozen queries and 600 small evaluations.

Who sees what: ``kpi.read`` a user's own card and, for the heads of a division, the
division's; ``kpi.read_all`` everyone's; ``kpi.define`` edits divisions and KPIs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ordercraft.sdk import validation
from ordercraft.sdk.calc import CalculatorError, arithmetic_expression
from ordercraft.sdk.errors import NotFound, PermissionDenied, ValidationError
from ordercraft.sdk.models import Role, User
from ordercraft.sdk.permissions import has_permission, require_session_permission
from ordercraft.sdk.plugins import plugin_service

from .models import DIRECTIONS, DIVISION_KINDS, SCALES, Definition, Division, Member
from .scoring import Scale, rounded, weighted_sum

READ, READ_ALL, DEFINE = "kpi.read", "kpi.read_all", "kpi.define"
TREND_PERIODS = 12


def plain(value: Decimal) -> Decimal:
    """A defined number as typed: ``30.000000`` -> ``30``, ``0.250000`` -> ``0.25``."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


# --------------------------------------------------------------------------- periods


def period_range(text: Any, *, field: str = "period") -> tuple[date, date]:
    """``"2026-11"`` -> the first and last day of that month."""
    raw = str(text or "").strip()
    try:
        year, month = (int(part) for part in raw.split("-"))
        start = date(year, month, 1)
    except ValueError:
        raise validation.invalid(field, f"{raw!r} is not a month like 2026-11") from None
    if not 1900 <= year <= 9999 or len(raw) != 7:
        raise validation.invalid(field, f"{raw!r} is not a month like 2026-11")
    return start, (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def current_period(today: date | None = None) -> str:
    return (today or date.today()).strftime("%Y-%m")


def previous_periods(period: str, count: int = TREND_PERIODS) -> list[str]:
    """The ``count`` months ending with ``period``, oldest first."""
    start, _ = period_range(period)
    index = start.year * 12 + start.month - 1
    return [f"{(i) // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


# --------------------------------------------------------------------------- divisions


def _user(session: Any, name: str, field: str) -> User:
    user: User | None = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"{field}: user {name!r} does not exist", field=field)
    return user


def save_division(session: Any, code: str, name: str, kind: str, *,
                  members: Sequence[str] = (), heads: Sequence[str] = ()) -> Division:
    """Create the division ``code`` or change it; ``members`` and ``heads`` (user names)
    replace its members when given (a head is a member)."""
    require_session_permission(session, DEFINE)
    code = validation.code(code, field="code", max_length=32)
    name = validation.text(name, field="name", max_length=200, required=True)
    kind = validation.choice(kind, field="kind", choices=DIVISION_KINDS)
    people = {user_name: False for user_name in members}
    people.update(dict.fromkeys(heads, True))
    users = [(_user(session, user_name, "members"), head) for user_name, head in people.items()]
    division: Division | None = session.scalar(select(Division).where(Division.code == code))
    if division is None:
        division = Division(code=code, name=name, kind=kind)
        session.add(division)
    division.name, division.kind = name, kind
    if people:
        division.members = [Member(user_id=user.id, head=head) for user, head in users]
    session.flush()
    return division


def divisions(session: Any) -> list[Division]:
    require_session_permission(session, READ)
    return list(session.scalars(select(Division).order_by(Division.code)))


def division_dict(division: Division) -> dict[str, Any]:
    return {"code": division.code, "name": division.name, "kind": division.kind,
            "members": [m.user.name for m in division.members],
            "heads": [m.user.name for m in division.members if m.head]}


class TeamsService:
    """``plugin_service(session, "kpi", "teams")``: the divisions as teams of users, for
    other plugins' reports (service's SLA compliance per team)."""

    def of_users(self, session: Any, user_ids: Iterable[int]) -> dict[int, str]:
        """user id -> the name of the user's division (the first by code when the user
        is in several); users in no division are left out. Needs no KPI permission:
        only division names are told."""
        wanted = {int(u) for u in user_ids if u is not None}
        if not wanted:
            return {}
        teams: dict[int, str] = {}
        for user_id, name in session.execute(
                select(Member.user_id, Division.name).join(Division, Division.id ==
                                                           Member.division_id)
                .where(Member.user_id.in_(wanted)).order_by(Division.code)):
            teams.setdefault(int(user_id), str(name))
        return teams


TEAMS = TeamsService()


# --------------------------------------------------------------------------- definitions


def metric_names(session: Any) -> list[str]:
    return [metric.name for metric in plugin_service(session, "analysis", "metrics").all(session)]


def _bands(raw: Any) -> list[list[str]]:
    """``"0.8:0.5,1:1,1.2:1.2"`` or ``[["0.8", "0.5"], ...]`` -> checked pairs."""
    if isinstance(raw, str):
        pairs: Iterable[Any] = [part.split(":") for part in raw.split(",") if part.strip()]
    else:
        pairs = raw or []
    found: list[list[str]] = []
    for number, pair in enumerate(pairs, 1):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise validation.invalid("bands", f"band {number} {pair!r} is not 'from:score'")
        start = validation.decimal(pair[0], field="bands", places=6)
        score = validation.decimal(pair[1], field="bands", places=6)
        if found and start <= Decimal(found[-1][0]):
            raise validation.invalid("bands", f"band {number} starts at {start}, not above "
                                     f"the band before ({found[-1][0]})")
        found.append([str(start), str(score)])
    return found


def define(session: Any, code: str, *, label: str = "", formula: str, target: Any,
           weight: Any = "1", direction: str = "higher", scale: str = "linear",
           cap: Any = "1.2", bands: Any = None, division: str | None = None,
           role: str | None = None, unit: str = "") -> Definition:
    """Create the KPI ``code`` or replace its definition. Everything is checked before
    anything is written: a formula naming an unknown metric or using anything but
    arithmetic is a ``ValidationError`` naming the field ``formula`` and the text."""
    require_session_permission(session, DEFINE)
    code = validation.code(code, field="code", max_length=50)
    label = validation.text(label, field="label", max_length=200) or code.replace("_", " ")
    try:
        expression = arithmetic_expression(formula, metric_names(session), field="formula",
                                           noun="metric")
    except CalculatorError as exc:
        raise ValidationError(exc.message, field="formula", code="invalid") from None
    target_value = validation.decimal(target, field="target", places=6)
    if target_value <= 0:
        raise validation.invalid("target", f"{target!r} must be above 0")
    weight_value = validation.decimal(weight, field="weight", places=6, minimum=Decimal(0))
    direction = validation.choice(direction, field="direction", choices=DIRECTIONS)
    scale = validation.choice(scale, field="scale", choices=SCALES)
    cap_value = validation.decimal(cap, field="cap", places=6)
    if cap_value <= 0:
        raise validation.invalid("cap", f"{cap!r} must be above 0")
    band_list = _bands(bands)
    if scale == "bands" and not band_list:
        raise validation.invalid("bands", "the bands scale needs bands like '0.8:0.5,1:1'")
    found_division = None
    if division:
        found_division = session.scalar(select(Division).where(Division.code == division))
        if found_division is None:
            raise validation.invalid("division", f"{division!r} is not a division")
    if role:
        if session.scalar(select(Role.id).where(Role.name == role)) is None:
            raise validation.invalid("role", f"{role!r} is not a role")
    if found_division is None and not role:
        raise validation.invalid("division", "give a division or a role the KPI is for")
    kpi: Definition | None = session.scalar(select(Definition).where(Definition.code == code))
    if kpi is None:
        kpi = Definition(code=code)
        session.add(kpi)
    kpi.label, kpi.formula, kpi.unit = label, expression.text, validation.text(
        unit, field="unit", max_length=20)
    kpi.target, kpi.weight, kpi.direction, kpi.scale = (target_value, weight_value, direction,
                                                        scale)
    kpi.cap, kpi.bands = cap_value, band_list
    kpi.division, kpi.role = found_division, role or None
    session.flush()
    return kpi


def definitions(session: Any) -> list[Definition]:
    require_session_permission(session, READ)
    return list(session.scalars(select(Definition).order_by(Definition.code)))


def definition_dict(kpi: Definition) -> dict[str, Any]:
    return {"code": kpi.code, "label": kpi.label, "formula": kpi.formula, "unit": kpi.unit,
            "division": kpi.division.code if kpi.division else None, "role": kpi.role,
            "target": plain(kpi.target), "weight": plain(kpi.weight),
            "direction": kpi.direction, "scale": kpi.scale, "cap": plain(kpi.cap),
            "bands": kpi.bands}


# --------------------------------------------------------------------------- scores


@dataclass
class _Compiled:
    kpi: Definition
    expression: Any
    scale: Scale


def _compile(session: Any, kpis: Sequence[Definition]) -> list[_Compiled]:
    names = metric_names(session)
    found = []
    for kpi in kpis:
        try:
            expression = arithmetic_expression(kpi.formula, names, field="formula",
                                               noun="metric")
        except CalculatorError:  # its metric's plugin was disabled since
            expression = None
        found.append(_Compiled(kpi, expression, Scale(
            kpi.target, kpi.direction, kpi.scale, kpi.cap,
            tuple((Decimal(a), Decimal(b)) for a, b in kpi.bands or ()))))
    return found


def _people(session: Any, kpis: Sequence[Definition]) -> dict[int, list[Definition]]:
    """Which KPIs apply to whom: a division's to its members, a role's to its holders."""
    applies: dict[int, list[Definition]] = {}
    members = session.execute(select(Member.division_id, Member.user_id)).all()
    by_division: dict[int, list[int]] = {}
    for division_id, user_id in members:
        by_division.setdefault(division_id, []).append(user_id)
    roles = {kpi.role for kpi in kpis if kpi.role}
    holders: dict[str, list[int]] = {}
    if roles:
        for user in session.scalars(select(User).where(User.active.is_(True))):
            for role in roles.intersection(user.role_names):
                holders.setdefault(role, []).append(user.id)
    for kpi in kpis:
        people = (by_division.get(kpi.division_id, []) if kpi.division_id is not None
                  else holders.get(kpi.role or "", []))
        for user_id in people:
            applies.setdefault(user_id, []).append(kpi)
    return applies


def _visible(session: Any, user_ids: Iterable[int]) -> set[int]:
    """The managers the acting user may see: all, or themselves and their divisions'."""
    user = session.info.get("user")
    wanted = set(user_ids)
    if user is None or has_permission(user, READ_ALL):
        return wanted
    require_session_permission(session, READ)
    headed = select(Member.division_id).where(Member.user_id == user.id, Member.head.is_(True))
    team = set(session.scalars(select(Member.user_id).where(Member.division_id.in_(headed))))
    return wanted & (team | {user.id})


def score(session: Any, period: str, *, manager: str | None = None,
          division: str | None = None) -> dict[str, Any]:
    """Each visible manager's KPIs and period score, best first (``rank``)."""
    require_session_permission(session, READ)
    start, end = period_range(period)
    query = select(Definition).order_by(Definition.code)
    kpis = list(session.scalars(query))
    applies = _people(session, kpis)
    if division:
        found = session.scalar(select(Division).where(Division.code == division))
        if found is None:
            raise validation.invalid("division", f"{division!r} is not a division")
        members = {m.user_id for m in found.members}
        applies = {user_id: [k for k in items if k.division_id in (None, found.id)]
                   for user_id, items in applies.items() if user_id in members}
    if manager:
        wanted_id = _user(session, manager, "manager").id
        applies = {wanted_id: applies.get(wanted_id, [])}
    visible = _visible(session, applies)
    if manager and not visible:
        raise PermissionDenied(f"manager: you may not see the KPIs of {manager!r}")
    applies = {user_id: items for user_id, items in applies.items() if user_id in visible}
    compiled = {c.kpi.id: c for c in _compile(session, kpis)}
    wanted = sorted({name for items in applies.values() for kpi in items
                     for name in (compiled[kpi.id].expression.names
                                  if compiled[kpi.id].expression else ())})
    values = plugin_service(session, "analysis", "metrics").values(session, wanted, start, end)
    users = {user.id: user for user in session.scalars(
        select(User).where(User.id.in_(list(applies))))} if applies else {}
    rows = []
    for user_id, items in applies.items():
        mine = {name: found.get(user_id, Decimal(0)) for name, found in values.items()}
        lines, parts = [], []
        for kpi in items:
            entry = compiled[kpi.id]
            actual = entry.expression.evaluate(mine) if entry.expression else None
            points = entry.scale.score(actual)
            parts.append((kpi.weight, points))
            lines.append({"code": kpi.code, "label": kpi.label, "unit": kpi.unit,
                          "division": kpi.division.code if kpi.division else None,
                          "role": kpi.role, "formula": kpi.formula,
                          "actual": rounded(actual, Decimal("0.01")),
                          "target": plain(kpi.target), "direction": kpi.direction,
                          "achievement": rounded(entry.scale.achievement(actual)),
                          "score": rounded(points), "weight": plain(kpi.weight),
                          "weighted": rounded(kpi.weight * points)})
        user = users[user_id]
        rows.append({"manager": user.name, "full_name": user.full_name or user.name,
                     "score": weighted_sum(parts), "kpis": lines})
    rows.sort(key=lambda row: (-row["score"], row["manager"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return {"ok": True, "period": period, "from": start.isoformat(), "to": end.isoformat(),
            "division": division, "managers": rows}


def trend(session: Any, manager: str, period: str,
          count: int = TREND_PERIODS) -> list[dict[str, Any]]:
    """The manager's score and each KPI's actual over the ``count`` months up to
    ``period``: ``[{"period", "score", "actuals": {code: actual}}]``, oldest first."""
    found = []
    for label in previous_periods(period, count):
        document = score(session, label, manager=manager)
        row = document["managers"][0] if document["managers"] else None
        found.append({"period": label, "score": row["score"] if row else None,
                      "actuals": {k["code"]: k["actual"] for k in (row or {}).get("kpis", [])}})
    return found


EXPORT_COLUMNS = ["period", "rank", "manager", "full_name", "score", "kpi", "label",
                  "actual", "target", "achievement", "kpi_score", "weight", "weighted"]


def export_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """A score document as flat rows, one per manager and KPI."""
    return [{"period": document["period"], "rank": row["rank"], "manager": row["manager"],
             "full_name": row["full_name"], "score": row["score"], "kpi": kpi["code"],
             "label": kpi["label"], "actual": kpi["actual"], "target": kpi["target"],
             "achievement": kpi["achievement"], "kpi_score": kpi["score"],
             "weight": kpi["weight"], "weighted": kpi["weighted"]}
            for row in document["managers"] for kpi in row["kpis"]]
