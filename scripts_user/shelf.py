"""Shelf board

A shelf board cut to size, with an edge band on the front. A formula calculator:
each formula is shown with its value, so a proposal can say how the price came about.
"""

params = [
    param("length", "int", unit="mm", min=200, max=2800, default=800),
    param("depth", "int", unit="mm", min=100, max=600, step=10, default=300),
    param("material", "choice", default="melamine-16",
          choices={"melamine-16": "White melamine, 16 mm", "oak-18": "Oak veneer, 18 mm"}),
    param("count", "int", min=1, max=100, default=1),
    param("edging", "bool", default=True, help="Edge band on the front edge"),
]

formulas = [
    formula("area", "length * depth / 10**6", unit="m2", label="Board area"),
    formula("board", "count * area * 1.1 * price('board-' + material)", line="part",
            label="Board, 10% cutting waste included"),
    formula("edge", "count * length / 1000 if edging else 0", unit="m", label="Edge band"),
    formula("banding", "edge * price('edge-band-pvc')", line="part", label="Edge banding"),
    formula("cutting", "count * price('cutting-service')", line="operation",
            label="Cutting to size"),
    formula("total", "board + banding + cutting"),
]
