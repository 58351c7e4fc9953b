"""Low-level codes of a product structure, and the cycle that makes them impossible.

An item's low-level code is the deepest level at which it appears in any bill of
materials: 0 for an item no BOM line uses as a component, otherwise one more than
its deepest parent. Planning items in that order means every parent's planned
orders are known before its component is netted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .scenario import BomLine, ScenarioError


def low_level_codes(item_ids: Iterable[str], bom: Sequence[BomLine]) -> dict[str, int]:
    """Each item's low-level code, in the order of ``item_ids``; a cycle is a ``ScenarioError``."""
    codes = {item: 0 for item in item_ids}
    children: dict[str, list[str]] = {item: [] for item in codes}
    parents_left = dict.fromkeys(codes, 0)
    for line in bom:
        children[line.parent].append(line.component)
        parents_left[line.component] += 1
    ready = [item for item, count in parents_left.items() if count == 0]
    done = 0
    while ready:
        parent = ready.pop()
        done += 1
        level = codes[parent] + 1
        for component in children[parent]:
            codes[component] = max(codes[component], level)
            parents_left[component] -= 1
            if parents_left[component] == 0:
                ready.append(component)
    if done < len(codes):
        _raise_cycle(bom, {item for item, count in parents_left.items() if count})
    return codes


def _raise_cycle(bom: Sequence[BomLine], unresolved: set[str]) -> None:
    """Find one cycle among the items that never became ready, and name it."""
    parents: dict[str, list[tuple[str, int]]] = {}
    for index, line in enumerate(bom):
        if line.parent in unresolved and line.component in unresolved:
            parents.setdefault(line.component, []).append((line.parent, index))
    # Every unresolved item has an unresolved parent, so walking up from any of them
    # comes back to an item already on the path; the walk is reversed to read downwards.
    item = next(line.parent for line in bom if line.parent in unresolved
                and line.component in unresolved)
    path = [item]
    lines: list[int] = []  # lines[n]: the BOM line making path[n + 1] a parent of path[n]
    seen = {item: 0}
    while True:
        item, index = parents[item][0]
        lines.append(index)
        if item in seen:
            start = seen[item]
            cycle = [item] + path[start:][::-1]
            closing = lines[start]
            raise ScenarioError(f"bom[{closing}]: the bill of materials has a cycle: "
                                f"{' -> '.join(cycle)}", code="bom_cycle",
                                field=f"bom[{closing}]")
        seen[item] = len(path)
        path.append(item)
