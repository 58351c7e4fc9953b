"""The example calculators price plausibly, worked out by hand from the example catalog.

scripts_user/catalog.json (per unit): door-panel-mdf 38.00/m2 at 40 mm, edge-band-mdf
0.90/m, door-frame-mdf 6.50/m, lacquer-finish 6.80/m2, hinge-steel 4.20, lockset-interior
18.50, labour-joinery 35.00/h; the robot's parts and labour as listed in its tests (the
robot's SKUs are the demo workshop's items).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from ordercraft.core.calc.api import run_calculator
from ordercraft.core.calc.catalog import example_catalog
from ordercraft.core.calc.errors import CalculatorError
from ordercraft.core.errors import ValidationError


def price(name, **params):
    return run_calculator(name, params, catalog=example_catalog())


def amounts(result):
    return [(line.sku, str(line.qty), str(line.amount)) for line in result.lines]


def test_a_standard_mdf_door():
    # 2000 x 800 leaf: 1.6 m2 of panel, 2 x (2.0 + 0.8) = 5.6 m of edge, 2 x 2.0 + 0.8 =
    # 4.8 m of frame, 3.2 m2 lacquered (two sides), 0.40 + 0.05 x 5.6 + 0.80 = 1.48 h
    result = price("door")
    assert amounts(result) == [
        ("door-panel-mdf", "1.600", "60.80"),     # 1.6 x 38.00
        ("edge-band-mdf", "5.6", "5.04"),         # 5.6 x 0.90
        ("door-frame-mdf", "4.8", "31.20"),       # 4.8 x 6.50
        ("lacquer-finish", "3.2", "21.76"),       # 3.2 x 6.80
        ("hinge-steel", "3", "12.60"),            # 3 x 4.20
        ("lockset-interior", "1", "18.50"),
        (None, "1.480", "51.80"),                 # 1.48 h x 35.00
    ]
    assert result.total == Decimal("201.70")
    assert result.details["panel_area_m2"] == "1.6"
    assert result.details["edge_length_m"] == "5.6"
    assert result.lines[-1].kind == "operation" and result.lines[0].kind == "part"


def test_a_glazed_oak_door():
    # 2100 x 900: 1.89 m2, 60% glass = 1.134 m2, panel 0.756 m2 at 95.00 x 44/40 = 104.50;
    # glazing bead round a square opening: 4 x sqrt(1.134) = 4.26 m; 0.5 h more work
    result = price("door", height=2100, width=900, thickness=44, material="oak",
                   glazing="full")
    assert amounts(result) == [
        ("door-panel-oak", "0.756", "79.00"),
        ("edge-band-oak", "6", "14.40"),
        ("door-frame-oak", "5.1", "73.95"),
        ("lacquer-finish", "3.78", "25.70"),
        ("glass-satin-4mm", "1.134", "54.43"),
        ("glazing-bead", "4.26", "8.09"),
        ("hinge-steel", "3", "12.60"),
        ("lockset-interior", "1", "18.50"),
        (None, "2.00", "70.00"),
    ]
    assert result.total == Decimal("356.67")


def test_door_prices_move_the_right_way():
    base = price("door").total
    assert price("door", width=900).total > base
    assert price("door", height=2200).total > base
    assert price("door", material="pine").total > base
    assert price("door", material="oak").total > price("door", material="pine").total
    assert price("door", glazing="half").total > base
    assert price("door", thickness=44).total > base > price("door", thickness=36).total
    sliding = price("door", opening="sliding")
    # a track kit (89.00) and two flush handles instead of 3 hinges and a lockset
    assert sliding.total == base - Decimal("12.60") - Decimal("18.50") + Decimal("89.00") + (
        Decimal("15.80"))
    assert sliding.notes == "Hinges are not used on a sliding door."
    assert Decimal(150) < base < Decimal(400)


def test_the_door_refuses_too_few_hinges_with_its_line():
    with pytest.raises(CalculatorError) as caught:
        price("door", height=2200, hinges=2)
    assert caught.value.code == "script_error"
    assert caught.value.message == "ValueError: a swing leaf of 2200 mm needs at least 3 hinges"
    door = (Path(__file__).resolve().parents[1] / "scripts_user" / "door.py").read_text()
    assert caught.value.line == door.splitlines().index(
        '        raise ValueError(f"a swing leaf of {height} mm needs at least 3 hinges")') + 1
    with pytest.raises(ValidationError) as caught:
        price("door", height=2405)
    assert caught.value.field == "height"


def test_a_standard_robot():
    # case 300 x 250 x 200 mm: 2 x (0.075 + 0.06 + 0.05) = 0.37 m2 of sheet, 4 x 0.75 = 3 m
    # of edge; 24 + 4 x 4 screws; assembly 2 + 0.75 x 4 + 0.5 x 1 = 5.5 h; software
    # 8 + 1.5 x 4 = 14 h
    result = price("robot")
    assert amounts(result) == [
        ("SHEET-AL2", "0.370", "15.54"),          # x 42.00
        ("LASER-CUT", "3.00", "9.60"),            # x 3.20
        ("CPU-A4", "1", "85.00"),
        ("MB-M", "1", "95.00"),
        ("SERVO-MG", "4", "48.00"),               # x 12.00
        ("BATT-7V4", "1", "22.00"),
        ("CABLE-SET", "1", "5.50"),
        ("SCREW-M3", "40", "2.00"),               # x 0.05
        ("PAINT-BLUE", "0.5", "9.25"),            # x 18.50
        (None, "5.50", "192.50"),                 # assembly x 35.00
        ("SW-INSTALL", "1", "40.00"),
        (None, "14.0", "770.00"),                 # software x 55.00
    ]
    assert result.total == Decimal("1294.39")
    assert [line.kind for line in result.lines][-3:] == ["operation"] * 3  # services too
    assert result.lines[1].kind == "operation" and result.lines[0].kind == "part"
    assert result.details["software_hours"] == "14.0" and result.details["ports"] == 8
    assert result.notes == ""


def test_robot_prices_move_the_right_way():
    base = price("robot").total
    # A8: 140.00 instead of 85.00, and 4 more software hours at 55.00
    assert price("robot", processor="a8").total - base == Decimal("55.00") + 4 * Decimal("55")
    # two more nodes: 2 servos, 8 screws, 1.5 h of assembly, 3 h of software
    assert price("robot", nodes=6).total - base == (
        Decimal("24.00") + Decimal("0.40") + Decimal("52.50") + Decimal("165.00"))
    # two large mainboards instead of one medium, and half an hour more assembly
    assert price("robot", boards=2, board_kind="l").total - base == (
        2 * Decimal("130.00") - Decimal("95.00") + Decimal("17.50"))
    assert price("robot", paint_colour="black").total - base == Decimal("-1.25")
    # 2 x (1.2 x 1.0 + 1.2 x 0.8 + 1.0 x 0.8) = 5.92 m2, two coats at 8 m2 per litre
    big = price("robot", case_height=1200, case_width=1000, case_depth=800, paint_volume="0.5")
    assert big.notes == "0.5 l of paint covers less than the 1.48 l two coats need."
    assert Decimal(1000) < base < Decimal(2000)


def test_the_robot_needs_a_port_per_node():
    with pytest.raises(CalculatorError) as caught:
        price("robot", nodes=10, board_kind="s")
    assert caught.value.message == "ValueError: 10 nodes need 10 ports; 1 x mainboard S give 4"
    assert price("robot", nodes=10, board_kind="s", boards=3).details["ports"] == 12


def test_the_shelf_is_a_formula_calculator():
    # 800 x 300 mm: 0.24 m2; board 0.24 x 1.1 x 14.50 = 3.828; 0.8 m of edge x 0.70 = 0.56
    result = price("shelf")
    assert [(f.name, f.value) for f in result.formulas] == [
        ("area", "0.24"), ("board", "3.83"), ("edge", "0.8"), ("banding", "0.56"),
        ("cutting", "2.50"), ("total", "6.89")]
    assert result.total == Decimal("6.89")
    assert [(line.name, str(line.amount)) for line in result.lines] == [
        ("Board, 10% cutting waste included", "3.83"), ("Edge banding", "0.56"),
        ("Cutting to size", "2.50")]
    four_oak = price("shelf", material="oak-18", count=4, length=1200, edging="no")
    # 4 x 0.36 x 1.1 x 58.00 = 91.872; no edge; 4 cuts x 2.50
    assert four_oak.total == Decimal("101.87")


def test_the_examples_catalog_has_every_sku_the_examples_read():
    used = set()
    for name, variants in (("door", [{}, {"glazing": "half", "opening": "sliding"},
                                     {"material": "oak"}, {"material": "pine"}]),
                           ("robot", [{"processor": p, "board_kind": k, "paint_colour": c}
                                      for p in ("a4", "a8") for k in ("s", "m", "l")
                                      for c in ("blue", "red", "black", "white")]),
                           ("shelf", [{"material": "oak-18"}, {}])):
        for params in variants:
            used |= set(price(name, **params).catalog)
    assert used == set(example_catalog().entries)


def test_the_example_in_scripts_user_readme_runs(tmp_path):
    readme = (Path(__file__).resolve().parents[1] / "scripts_user" / "README.md").read_text()
    code = readme.split("```python\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "gate.py"
    path.write_text(code)
    result = run_calculator(str(path), {"width": 1500, "wood": "oak", "painted": "yes"},
                            catalog=example_catalog())
    # 1.8 m2 of oak at 95.00, two hinges at 4.20, 1.5 h at 35.00, 3.6 m2 of lacquer at 6.80
    assert result.total == Decimal("171.00") + Decimal("8.40") + Decimal("52.50") + Decimal(
        "24.48")
    assert result.title == "Garden gate"
