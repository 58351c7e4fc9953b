"""Units of measure a BOM line may be written in, and their conversion to the component's
base unit. Units of one dimension convert by a fixed factor (a cable in m written in cm,
a sheet in m2 written in cm2); anything else is refused with the item and both units."""

from __future__ import annotations

from fractions import Fraction

from ordercraft.sdk.errors import ValidationError

#: unit -> (dimension, how many of the dimension's reference unit one unit is)
UNITS: dict[str, tuple[str, Fraction]] = {
    "pc": ("count", Fraction(1)), "pcs": ("count", Fraction(1)), "set": ("count", Fraction(1)),
    "dozen": ("count", Fraction(12)),
    "mm": ("length", Fraction(1, 1000)), "cm": ("length", Fraction(1, 100)),
    "dm": ("length", Fraction(1, 10)), "m": ("length", Fraction(1)),
    "km": ("length", Fraction(1000)),
    "mm2": ("area", Fraction(1, 1_000_000)), "cm2": ("area", Fraction(1, 10_000)),
    "dm2": ("area", Fraction(1, 100)), "m2": ("area", Fraction(1)),
    "ml": ("volume", Fraction(1, 1000)), "cl": ("volume", Fraction(1, 100)),
    "l": ("volume", Fraction(1)), "m3": ("volume", Fraction(1000)),
    "mg": ("mass", Fraction(1, 1_000_000)), "g": ("mass", Fraction(1, 1000)),
    "kg": ("mass", Fraction(1)), "t": ("mass", Fraction(1000)),
    "s": ("time", Fraction(1, 3600)), "min": ("time", Fraction(1, 60)), "h": ("time", Fraction(1)),
}


def factor(unit: str, base_unit: str, *, item: str, field: str = "unit") -> Fraction:
    """How many ``base_unit`` one ``unit`` is (1 when they are the same unit)."""
    if unit == base_unit:
        return Fraction(1)
    given, base = UNITS.get(unit.lower()), UNITS.get(base_unit.lower())
    if given is None or base is None or given[0] != base[0]:
        raise ValidationError(f"{field}: {unit!r} cannot be converted to {base_unit!r}, the "
                              f"unit of {item!r}", field=field)
    return given[1] / base[1]
