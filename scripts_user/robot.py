"""Custom robot

A robot built to order: an aluminium case cut to the given size, a processor,
mainboards for the nodes (a servo each), a battery, cabling, paint, assembly and
software. A node takes one port of a mainboard.
"""

params = [
    param("case_height", "int", unit="mm", min=100, max=1200, default=300),
    param("case_width", "int", unit="mm", min=100, max=1200, default=250),
    param("case_depth", "int", unit="mm", min=100, max=1200, default=200),
    param("processor", "choice", default="a4",
          choices={"a4": "Processor A4, 4 cores", "a8": "Processor A8, 8 cores"}),
    param("boards", "int", min=1, max=4, default=1, help="Mainboards"),
    param("board_kind", "choice", default="m",
          choices={"s": "Mainboard S, 4 ports", "m": "Mainboard M, 8 ports",
                   "l": "Mainboard L, 16 ports"}),
    param("nodes", "int", min=1, max=48, default=4, help="Actuated joints, a servo each"),
    param("paint_volume", "decimal", unit="l", min=0, max=10, step="0.1", default="0.5"),
    param("paint_colour", "choice", default="blue",
          choices={"blue": "Blue", "red": "Red", "black": "Black", "white": "White"}),
]

PORTS = {"s": 4, "m": 8, "l": 16}
# Software hours before any node is programmed, by processor.
SOFTWARE_BASE_HOURS = {"a4": 8, "a8": 12}
SCREWS_PER_CASE = 24
SCREWS_PER_NODE = 4
PAINT_COVERAGE_M2_PER_L = 8
PAINT_COATS = 2


def calculate(case_height, case_width, case_depth, processor, boards, board_kind, nodes,
              paint_volume, paint_colour):
    ports = boards * PORTS[board_kind]
    if nodes > ports:
        raise ValueError(f"{nodes} nodes need {nodes} ports; {boards} x mainboard "
                         f"{board_kind.upper()} give {ports}")

    h, w, d = D(case_height) / 1000, D(case_width) / 1000, D(case_depth) / 1000
    surface = 2 * (h * w + h * d + w * d)              # m2 of sheet
    edges = 4 * (h + w + d)                            # m of cut and bent edge
    assembly = 2 + D("0.75") * nodes + D("0.5") * boards
    software = SOFTWARE_BASE_HOURS[processor] + D("1.5") * nodes

    lines = [
        part("SHEET-AL2", surface.quantize(D("0.001"))),
        part("LASER-CUT", edges.quantize(D("0.01"))),
        part("CPU-" + processor.upper(), 1),
        part("MB-" + board_kind.upper(), boards),
        part("SERVO-MG", nodes),
        part("BATT-7V4", 1),
        part("CABLE-SET", 1),
        part("SCREW-M3", SCREWS_PER_CASE + SCREWS_PER_NODE * nodes),
    ]
    if paint_volume > 0:
        lines.append(part("PAINT-" + paint_colour.upper(), paint_volume))
    lines.append(work("Assembly", assembly, price("ASSEMBLY-HOUR")))
    lines.append(part("SW-INSTALL", 1))
    lines.append(work("Software for the nodes", software, price("SOFTWARE-HOUR")))

    needed = (surface * PAINT_COATS / PAINT_COVERAGE_M2_PER_L).quantize(D("0.01"))
    notes = ""
    if paint_volume < needed:
        notes = f"{paint_volume} l of paint covers less than the {needed} l two coats need."
    return {
        "lines": lines,
        "details": {"case_surface_m2": surface, "edge_length_m": edges, "ports": ports,
                    "paint_needed_l": needed, "assembly_hours": assembly,
                    "software_hours": software},
        "notes": notes,
    }
