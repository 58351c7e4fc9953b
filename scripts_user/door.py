"""Interior door

A door leaf with its frame, priced from its size, material, glazing and fittings.
The leaf's panel area and its edge length drive the material and labour cost;
the frame runs along both sides and the head.
"""

params = [
    param("height", "int", unit="mm", min=1900, max=2400, step=10, default=2000,
          help="Height of the leaf"),
    param("width", "int", unit="mm", min=550, max=1000, step=50, default=800,
          help="Width of the leaf"),
    param("thickness", "int", unit="mm", choices=[36, 40, 44], default=40,
          help="Thickness of the leaf"),
    param("material", "choice", default="mdf",
          choices={"mdf": "Painted MDF", "pine": "Solid pine", "oak": "Oak veneer"}),
    param("glazing", "choice", default="none",
          choices={"none": "No glass", "half": "Satin glass, upper half",
                   "full": "Satin glass, full height"}),
    param("hinges", "int", min=2, max=4, default=3,
          help="Hinges on the leaf (a swing door taller than 2100 mm needs 3)"),
    param("opening", "choice", default="left",
          choices={"left": "Swing, left hand", "right": "Swing, right hand",
                   "sliding": "Sliding, wall-mounted track"}),
]

# Share of the leaf that is glass, and the joiner's time per job and per metre of edge.
GLASS_SHARE = {"none": D("0"), "half": D("0.35"), "full": D("0.60")}
CUTTING_HOURS = D("0.40")
EDGING_HOURS_PER_M = D("0.05")
ASSEMBLY_HOURS = D("0.80")
GLAZING_HOURS = D("0.50")
FINISHED_SIDES = 2


def calculate(height, width, thickness, material, glazing, hinges, opening):
    swing = opening != "sliding"
    if swing and height > 2100 and hinges < 3:
        raise ValueError(f"a swing leaf of {height} mm needs at least 3 hinges")

    area = D(height) * width / 1000000                 # m2 of leaf
    edge = D(2) * (height + width) / 1000              # m of edge to band
    frame = D(2 * height + width) / 1000               # m of frame: two jambs and the head
    glass = (area * GLASS_SHARE[glazing]).quantize(D("0.001"))
    panel = area - glass

    # Panel prices are per m2 at the catalog's reference thickness.
    panel_item = item("door-panel-" + material)
    per_m2 = panel_item["price"] * thickness / panel_item["attributes"]["reference_thickness_mm"]

    lines = [
        line(panel_item["name"] + f", {thickness} mm", panel, per_m2, unit="m2",
             sku=panel_item["sku"], kind="part"),
        part("edge-band-" + material, edge),
        part("door-frame-" + material, frame),
        part("lacquer-finish", area * FINISHED_SIDES),
    ]
    hours = CUTTING_HOURS + EDGING_HOURS_PER_M * edge + ASSEMBLY_HOURS
    if glass > 0:
        opening_edge = 4 * glass.sqrt()                  # a square opening's perimeter, m
        lines.append(part("glass-satin-4mm", glass))
        lines.append(part("glazing-bead", opening_edge.quantize(D("0.01"))))
        hours += GLAZING_HOURS
    if swing:
        lines.append(part("hinge-steel", hinges))
        lines.append(part("lockset-interior", 1))
    else:
        lines.append(part("sliding-track-kit", 1))
        lines.append(part("handle-flush", 2))
    lines.append(work("Cutting, edging and assembly", hours, price("labour-joinery")))

    return {
        "lines": lines,
        "details": {"panel_area_m2": area, "edge_length_m": edge, "frame_length_m": frame,
                    "glass_area_m2": glass, "labour_hours": hours},
        "notes": "" if swing else "Hinges are not used on a sliding door.",
    }
