"""Custom fields: fields an administrator (or a plugin) adds to clients, contacts, deals,
orders and items without code and without a migration.

An *entity* is registered by whoever owns its model (the core: ``client``, ``contact``,
``item``; crm: ``deal``; sales: ``order``) through the hook
``register_custom_fields(registry)``. A *field* is a row of ``custom_fields`` (entity,
name, type, label, choices, required, owner); the values live in one table of their own,
``custom_field_values (field_id, object_id, value)``, one row per object and field,
the value as canonical text (``12.5``, ``2024-03-05``, ``true``). So:

* adding a field writes one row, on any entity, a plugin's included, with no change to
  that entity's table;
* a filter ``cf.NAME=value`` is an indexed lookup (``field_id, value``) on SQLite and
  PostgreSQL alike, since equal values have equal text;
* a page of objects reads its values in one query (by primary key ``field_id,
  object_id``), whatever the page's size.

Services validate values with :func:`save_values` (a refusal names
``custom_fields.<name>`` and the value; nothing is saved), serialise them with
:func:`values_of`, and filter lists with :func:`filter_conditions`. Changes go to the
audit log on the object's own entry, like its other fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ordercraft.core.errors import Conflict, NotFound, PluginError, ValidationError
from ordercraft.core.hooks import site_hooks
from ordercraft.core.registries import once_per_plugin_set

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from ordercraft.core.hooks import Hooks

FIELD_TYPES = ("text", "int", "decimal", "date", "bool", "choice")
ENTITY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
#: Text values stay short enough for an index entry on PostgreSQL (at most 2,000 bytes).
TEXT_MAX = 500
LABEL_MAX = 100
CHOICE_MAX = 100
MAX_CHOICES = 100
#: Whole numbers fit a 64-bit integer.
INT_LIMIT = 10**18 - 1
DECIMAL_PLACES = 6
DECIMAL_DIGITS = 18
#: The key of the values in objects, API bodies and errors (``custom_fields.<name>``).
KEY = "custom_fields"
#: The prefix of a filter in query strings (``?cf.delivery_window=morning``) and of the
#: CSV columns.
FILTER_PREFIX = "cf."
#: Owner of the fields an administrator adds.
SITE = "site"

_DEFINITIONS = "ordercraft.custom_field_definitions"
_VALUES = "ordercraft.custom_field_values"


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Entity:
    """Something that carries custom fields: a name, its model (an integer ``id``), a
    label, and the plugin that registered it."""

    name: str
    model: Any
    label: str
    plugin: str = "core"

    @property
    def audit_entity(self) -> str:
        return getattr(self.model, "__audit_entity__", "") or self.name


@dataclass(frozen=True)
class DeclaredField:
    """A field a plugin declares (stored with its ``owner`` when the site syncs)."""

    entity: str
    name: str
    type: str
    label: str
    choices: tuple[str, ...]
    required: bool
    plugin: str


class CustomFieldRegistry:
    """Entities with custom fields and the fields plugins declare; passed to the hook
    ``register_custom_fields``."""

    def __init__(self) -> None:
        self.current_plugin = "core"
        self._entities: dict[str, Entity] = {}
        self._fields: dict[tuple[str, str], DeclaredField] = {}

    def entity(self, name: str, model: Any, label: str) -> Entity:
        """Register the entity ``name`` stored in ``model``'s table."""
        where = f"plugin {self.current_plugin!r} registers entity {name!r}"
        if not isinstance(name, str) or not ENTITY_PATTERN.match(name):
            raise PluginError(f"{where}: an entity is named with lower-case letters, digits "
                              "and '_'")
        if name in self._entities:
            raise PluginError(f"{where}, already registered by "
                              f"{self._entities[name].plugin!r}")
        if getattr(model, "__table__", None) is None or "id" not in model.__table__.c:
            raise PluginError(f"{where}: its model must be a table with an integer 'id'")
        entity = Entity(name, model, label.strip() or name, self.current_plugin)
        self._entities[name] = entity
        return entity

    def field(self, entity: str, name: str, type: str, label: str = "", *,
              choices: Iterable[str] = (), required: bool = False) -> DeclaredField:
        """Declare a field of ``entity`` owned by the plugin."""
        where = f"plugin {self.current_plugin!r} declares field {name!r} of {entity!r}"
        try:
            clean = check_definition(name, type, label, choices)
        except ValidationError as exc:
            raise PluginError(f"{where}: {exc.message}") from None
        if (entity, name) in self._fields:
            raise PluginError(f"{where}, already declared by "
                              f"{self._fields[(entity, name)].plugin!r}")
        declared = DeclaredField(entity, name, type, clean["label"], clean["choices"],
                                 bool(required), self.current_plugin)
        self._fields[(entity, name)] = declared
        return declared

    @property
    def entities(self) -> dict[str, Entity]:
        return dict(self._entities)

    def declared_fields(self) -> list[DeclaredField]:
        """Declared fields of registered entities (the others are left out)."""
        return [f for f in self._fields.values() if f.entity in self._entities]

    def get(self, name: str) -> Entity:
        entity = self._entities.get(name)
        if entity is None:
            raise NotFound(f"entity: {name!r} has no custom fields (entities: "
                           f"{', '.join(sorted(self._entities)) or 'none'})", field="entity")
        return entity

    def for_model(self, model: type) -> Entity | None:
        return next((e for e in self._entities.values() if e.model is model), None)


def register_core(registry: CustomFieldRegistry) -> None:
    from ordercraft.core.models import Contact, Item, Party

    registry.current_plugin = "core"
    registry.entity("client", Party, "Client")
    registry.entity("contact", Contact, "Contact")
    registry.entity("item", Item, "Item")


@once_per_plugin_set
def custom_field_registry(hooks: Hooks) -> CustomFieldRegistry:
    """The entities and declared fields of the core and the enabled plugins."""
    registry = CustomFieldRegistry()
    register_core(registry)
    hooks.register_custom_fields(registry)
    return registry


def session_registry(session: Session) -> CustomFieldRegistry:
    return custom_field_registry(site_hooks(session))


# --------------------------------------------------------------------------- definitions


def check_definition(name: Any, type: Any, label: Any = "",
                     choices: Iterable[str] | str | None = ()) -> dict[str, Any]:
    """A field's name, type, label and choices checked; returns label and choices clean."""
    from ordercraft.core.services import fields

    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise fields.invalid("name", f"{name!r} is not a field name (lower-case letters, "
                             "digits and '_', starting with a letter, at most 50)")
    if type not in FIELD_TYPES:
        raise fields.invalid("type", f"{type!r} is not one of {', '.join(FIELD_TYPES)}")
    if isinstance(choices, str):
        choices = choices.split(",")
    options = [fields.text(c, field="choices", max_length=CHOICE_MAX) for c in choices or ()]
    options = [c for c in options if c]
    if type == "choice":
        if not options:
            raise fields.invalid("choices", "a choice field needs its choices (--choices a,b,c)")
        if len(options) > MAX_CHOICES:
            raise fields.invalid("choices", f"at most {MAX_CHOICES} choices")
        folded = [c.casefold() for c in options]
        twice = next((c for i, c in enumerate(options) if folded.index(folded[i]) != i), None)
        if twice is not None:
            raise fields.invalid("choices", f"{twice!r} is given twice")
    elif options:
        raise fields.invalid("choices", f"only a choice field has choices, not a {type} field")
    clean_label = fields.text(label, field="label", max_length=LABEL_MAX)
    return {"label": clean_label or name.replace("_", " ").capitalize(),
            "choices": tuple(options)}


@dataclass(frozen=True)
class FieldDefinition:
    """One field of an entity, as services and templates use it."""

    id: int
    entity: str
    name: str
    type: str
    label: str
    choices: tuple[str, ...]
    required: bool
    owner: str

    @property
    def key(self) -> str:
        """``custom_fields.<name>``: how errors and forms name the field."""
        return f"{KEY}.{self.name}"

    def parse(self, raw: Any) -> Any:
        """The typed value of ``raw`` (text typed by a person, or a JSON value); ``None``
        for an empty value. A refusal names ``custom_fields.<name>`` and the value."""
        from ordercraft.core.services import fields

        key = self.key
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if self.type == "text":
            return fields.text(raw, field=key, max_length=TEXT_MAX) or None
        if self.type == "int":
            return fields.whole_number(raw, field=key, minimum=-INT_LIMIT, maximum=INT_LIMIT)
        if self.type == "decimal":
            number = fields.decimal(raw, field=key, places=DECIMAL_PLACES,
                                    integer_digits=DECIMAL_DIGITS - DECIMAL_PLACES)
            return number + 0  # no negative zero
        if self.type == "date":
            return fields.day(raw, field=key)
        if self.type == "bool":
            return fields.flag(raw, field=key)
        text = fields.text(raw, field=key, max_length=CHOICE_MAX)
        found = next((c for c in self.choices if c.casefold() == text.casefold()), None)
        if found is None:
            raise fields.invalid(key, f"{raw!r} is not one of {', '.join(self.choices)}")
        return found

    def stored(self, value: Any) -> str:
        """The canonical text of a typed value."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, Decimal):
            return format(value.normalize(), "f")
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    def loaded(self, text: str) -> Any:
        """The JSON value of stored text: decimals as exact strings, dates ISO."""
        if self.type == "int":
            return int(text)
        if self.type == "bool":
            return text == "true"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {"entity": self.entity, "name": self.name, "type": self.type,
                "label": self.label, "choices": list(self.choices) or None,
                "required": self.required, "owner": self.owner}


def _definition(row: Any) -> FieldDefinition:
    return FieldDefinition(row.id, row.entity, row.name, row.type, row.label,
                           tuple(row.choices or ()), bool(row.required), row.owner)


def _active(session: Session, owner: str) -> bool:
    return owner in (SITE, "core") or session.info["platform"].is_enabled(owner)


def definitions(session: Session, entity: str) -> list[FieldDefinition]:
    """The fields of ``entity`` shown on this site, in the order they were added (a
    disabled plugin's fields are hidden). Read once per transaction."""
    from sqlalchemy import select

    from ordercraft.core.models import CustomField

    cache = session.info.setdefault(_DEFINITIONS, {})
    if entity not in cache:
        session_registry(session).get(entity)
        rows = session.scalars(select(CustomField).where(CustomField.entity == entity)
                               .order_by(CustomField.id))
        cache[entity] = [_definition(r) for r in rows if _active(session, r.owner)]
    return list(cache[entity])


def _forget(session: Session) -> None:
    session.info.pop(_DEFINITIONS, None)
    session.info.pop(_VALUES, None)


def list_definitions(session: Session, entity: str | None = None) -> list[dict[str, Any]]:
    """The fields of one entity, or of every entity this site knows."""
    entities = [entity] if entity else sorted(session_registry(session).entities)
    return [d.as_dict() for name in entities for d in definitions(session, name)]


def add_field(session: Session, entity: str, name: str, type: str, *, label: str = "",
              choices: Iterable[str] | str | None = None,
              required: bool = False) -> dict[str, Any]:
    """Add the field ``name`` to ``entity`` (administrators: ``site.admin``)."""
    from sqlalchemy import select

    from ordercraft.core.models import CustomField
    from ordercraft.core.permissions import require_session_permission

    require_session_permission(session, "site.admin")
    session_registry(session).get(entity)
    clean = check_definition(name, type, label, choices)
    taken = session.scalar(select(CustomField).where(CustomField.entity == entity,
                                                     CustomField.name == name))
    if taken is not None:
        raise Conflict(f"name: {entity} already has a field {name!r}", field="name",
                       code="duplicate")
    row = CustomField(entity=entity, name=name, type=type, label=clean["label"],
                      choices=list(clean["choices"]), required=bool(required), owner=SITE)
    session.add(row)
    session.flush()
    _forget(session)
    return _definition(row).as_dict()


def remove_field(session: Session, entity: str, name: str) -> dict[str, Any]:
    """Remove an administrator's field and every value it holds."""
    from sqlalchemy import delete, select

    from ordercraft.core.models import CustomField, CustomFieldValue
    from ordercraft.core.permissions import require_session_permission

    require_session_permission(session, "site.admin")
    session_registry(session).get(entity)
    row = session.scalar(select(CustomField).where(CustomField.entity == entity,
                                                   CustomField.name == name))
    if row is None:
        raise NotFound(f"name: {entity} has no field {name!r}", field="name")
    if row.owner != SITE:
        raise Conflict(f"name: field {name!r} of {entity} is declared by plugin {row.owner!r}; "
                       "it goes when the plugin is disabled", field="name",
                       code="declared_by_plugin")
    document = _definition(row).as_dict()
    session.execute(delete(CustomFieldValue).where(CustomFieldValue.field_id == row.id))
    session.delete(row)
    session.flush()
    _forget(session)
    return document


def sync_declared_fields(session: Session) -> list[str]:
    """Store the fields the enabled plugins declare (new ones added, changed ones updated);
    returns ``entity.name`` of those added. Run when the site is created or upgraded and
    when a plugin is enabled."""
    from sqlalchemy import select

    from ordercraft.core.models import CustomField

    added = []
    for declared in session_registry(session).declared_fields():
        row = session.scalar(select(CustomField).where(CustomField.entity == declared.entity,
                                                       CustomField.name == declared.name))
        if row is None:
            row = CustomField(entity=declared.entity, name=declared.name, owner=declared.plugin)
            session.add(row)
            added.append(f"{declared.entity}.{declared.name}")
        elif row.owner != declared.plugin:
            raise Conflict(f"plugin {declared.plugin!r} declares field {declared.name!r} of "
                           f"{declared.entity}, which {_owner_text(row.owner)} added already; "
                           "remove that one first (ordercraft field remove)",
                           code="field_taken", field="name")
        row.type, row.label, row.required = declared.type, declared.label, declared.required
        row.choices = list(declared.choices)
    session.flush()
    _forget(session)
    return added


def _owner_text(owner: str) -> str:
    return "the site" if owner == SITE else f"plugin {owner!r}"


# --------------------------------------------------------------------------- values


def _entity_fields(session: Session, entity: str) -> dict[str, FieldDefinition]:
    return {d.name: d for d in definitions(session, entity)}


def _unknown(entity: str, name: Any, known: Iterable[str], prefix: str = KEY) -> ValidationError:
    from ordercraft.core.services import fields

    names = ", ".join(known) or "none"
    return fields.invalid(f"{prefix}.{name}" if prefix == KEY else f"{prefix}{name}",
                          f"not a custom field of {entity} (custom fields: {names})")


def clean_values(session: Session, entity: str, values: Mapping[str, Any] | None, *,
                 creating: bool) -> dict[FieldDefinition, Any]:
    """Check ``values`` (``{name: value}``; ``None`` or ``""`` clears) against the fields
    of ``entity``. On ``creating``, every required field must have a value; on a change,
    a required field cannot be cleared."""
    from ordercraft.core.services import fields

    known = _entity_fields(session, entity)
    if values is not None and not isinstance(values, Mapping):
        raise fields.invalid(KEY, f"{values!r} is not an object of field names and values")
    given = dict(values or {})
    for name in given:
        if name not in known:
            raise _unknown(entity, name, known)
    clean = {known[name]: known[name].parse(raw) for name, raw in given.items()}
    for definition in known.values():
        if not definition.required:
            continue
        missing = clean.get(definition) is None and (definition in clean or creating)
        if missing:
            raise fields.invalid(definition.key, f"a value is required ({definition.label})",
                                 code="required")
    return clean


def save_values(session: Session, entity: str, object_id: int,
                values: Mapping[str, Any] | None, *, creating: bool) -> None:
    """Validate and store an object's custom field values (``None`` = no change, which
    still checks required fields on ``creating``); call it in the operation that creates
    or changes the object, after the object has its id. The changes are added to the
    object's audit entry of this operation."""
    from sqlalchemy import select

    from ordercraft.core.audit import record_field_changes
    from ordercraft.core.models import CustomFieldValue

    clean = clean_values(session, entity, values, creating=creating)
    if not clean:
        return
    rows = {row.field_id: row for row in session.scalars(select(CustomFieldValue).where(
        CustomFieldValue.object_id == object_id,
        CustomFieldValue.field_id.in_([d.id for d in clean])))}
    changes: dict[str, list[Any]] = {}
    for definition, value in clean.items():
        row = rows.get(definition.id)
        before = definition.loaded(row.value) if row is not None else None
        text = None if value is None else definition.stored(value)
        if text is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(CustomFieldValue(field_id=definition.id, object_id=object_id,
                                         value=text))
        else:
            row.value = text
        after = None if text is None else definition.loaded(text)
        if before != after:
            changes[definition.key] = [before, after]
    session.flush()
    session.info.get(_VALUES, {}).pop((entity, object_id), None)
    if changes:
        record_field_changes(session, session_registry(session).get(entity).audit_entity,
                             object_id, changes)


def values_for(session: Session, entity: str,
               object_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """``{object id: {name: value}}`` for these objects, in one query per 500 ids
    (values as JSON: decimals as exact strings, dates ISO, fields in their order)."""
    from sqlalchemy import select

    from ordercraft.core.models import CustomFieldValue
    from ordercraft.core.services.queries import CHUNK

    fields_by_id = {d.id: d for d in definitions(session, entity)}
    ids = sorted(set(object_ids))
    texts: dict[int, dict[int, str]] = {i: {} for i in ids}
    for start in range(0, len(ids) if fields_by_id else 0, CHUNK):
        for field_id, object_id, text in session.execute(
                select(CustomFieldValue.field_id, CustomFieldValue.object_id,
                       CustomFieldValue.value)
                .where(CustomFieldValue.field_id.in_(list(fields_by_id)),
                       CustomFieldValue.object_id.in_(ids[start:start + CHUNK]))):
            texts[object_id][field_id] = text
    return {object_id: {d.name: d.loaded(by_field[d.id]) for d in fields_by_id.values()
                        if d.id in by_field}
            for object_id, by_field in texts.items()}


def values_of(obj: Any) -> dict[str, Any]:
    """The custom field values of an object of a registered entity.

    The first call in a transaction reads the values of every object of that model the
    session holds, in one query: serialising a page of objects costs one query, not one
    per object.
    """
    from sqlalchemy.orm import object_session

    session = object_session(obj)
    if session is None or obj.id is None:
        return {}
    entity = session_registry(session).for_model(type(obj))
    if entity is None:
        return {}
    cache = session.info.setdefault(_VALUES, {})
    key = (entity.name, obj.id)
    if key not in cache:
        model = type(obj)
        ids = {obj.id} | {o.id for o in list(session.identity_map.values())
                          if type(o) is model and o.id is not None
                          and (entity.name, o.id) not in cache}
        for object_id, values in values_for(session, entity.name, ids).items():
            cache[(entity.name, object_id)] = values
    return dict(cache[key])


def filter_conditions(session: Session, entity: str, id_column: Any,
                      filters: Mapping[str, Any] | None) -> list[Any]:
    """SQL conditions over ``id_column`` (the entity's ``id``) for filters ``{name:
    value}``: the object's value of that field equals ``value`` (parsed like the field,
    so ``12.50`` finds ``12.5`` and ``YES`` finds ``true``). An empty value is no filter;
    an unknown field or a value the field cannot hold is refused, naming ``cf.<name>``."""
    from sqlalchemy import select

    from ordercraft.core.models import CustomFieldValue

    if not filters:
        return []
    known = _entity_fields(session, entity)
    conditions = []
    for name, raw in filters.items():
        definition = known.get(name)
        if definition is None:
            raise _unknown(entity, name, known, prefix=FILTER_PREFIX)
        try:
            value = definition.parse(raw)
        except ValidationError as exc:
            where = f"{FILTER_PREFIX}{name}"
            raise ValidationError(where + exc.message[len(definition.key):], field=where,
                                  code=exc.code) from None
        if value is None:
            continue
        conditions.append(id_column.in_(
            select(CustomFieldValue.object_id).where(
                CustomFieldValue.field_id == definition.id,
                CustomFieldValue.value == definition.stored(value))))
    return conditions


def filters_from(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """``{name: value}`` of the ``cf.<name>`` arguments of a query string or form (empty
    values left out)."""
    return {key[len(FILTER_PREFIX):]: value for key, value in arguments.items()
            if key.startswith(FILTER_PREFIX) and str(value).strip()}


def parse_assignments(pairs: Iterable[str], *, option: str = "--field") -> dict[str, str]:
    """``["NAME=VALUE", ...]`` (the CLI's ``--field``) as ``{name: value}``."""
    from ordercraft.core.services import fields

    found: dict[str, str] = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator or not name.strip():
            raise fields.invalid(KEY, f"{pair!r} is not NAME=VALUE ({option} "
                                 "delivery_window=morning)")
        found[name.strip()] = value
    return found


def csv_columns(session: Session, entity: str) -> list[str]:
    """The CSV columns of the entity's custom fields: ``cf.<name>``, in field order."""
    return [FILTER_PREFIX + d.name for d in definitions(session, entity)]


def csv_cells(document: Mapping[str, Any]) -> dict[str, Any]:
    """The ``cf.<name>`` cells of an object serialised with its ``custom_fields``."""
    return {FILTER_PREFIX + name: value for name, value in (document.get(KEY) or {}).items()}


# --------------------------------------------------------------------------- lifecycle


def _drop_values_of_deleted(session: Session, _context: Any) -> None:
    """An object deleted takes its values along: ids are reused by SQLite."""
    from sqlalchemy import delete, select

    from ordercraft.core.models import CustomField, CustomFieldValue

    if not session.deleted or session.info.get("platform") is None:
        return
    registry = session_registry(session)
    doomed: dict[str, list[int]] = {}
    for obj in session.deleted:
        entity = registry.for_model(type(obj))
        if entity is not None and obj.id is not None:
            doomed.setdefault(entity.name, []).append(obj.id)
    for entity_name, ids in doomed.items():
        session.execute(delete(CustomFieldValue).where(
            CustomFieldValue.object_id.in_(ids),
            CustomFieldValue.field_id.in_(select(CustomField.id).where(
                CustomField.entity == entity_name))))


def install_custom_fields(factory: sessionmaker[Session]) -> None:
    from sqlalchemy import event

    event.listen(factory, "after_flush", _drop_values_of_deleted)
