"""Every input that takes an item's SKU suggests items as one types: it carries
``data-autocomplete="item"`` (static/autocomplete.js asks the items API, which checks
``item.read``). The browser behaviour is tested in tests/browser/test_autocomplete.py."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: An input for an existing item's SKU, in a template line (raw HTML or the field macro).
SKU_INPUT = re.compile(r"""<input[^>]*\bname="(item|sku)"|field\('(item|sku)'|name == 'item'""")
#: Forms where a SKU is typed to make a new item, not to pick one.
NEW_SKU = {"web/templates/items/form.html"}


def test_every_sku_input_of_every_form_autocompletes_items():
    found, missing = [], []
    for template in sorted([*ROOT.glob("web/templates/**/*.html"),
                            *ROOT.glob("plugins/*/templates/**/*.html")]):
        name = template.relative_to(ROOT).as_posix()
        if name in NEW_SKU:
            continue
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
            if SKU_INPUT.search(line) and 'type="hidden"' not in line:
                found.append(name)
                if "data-autocomplete=\"item\"" not in line and "autocomplete='item'" not in line:
                    missing.append(f"{name}:{number}: {line.strip()}")
    assert not missing, "SKU inputs without data-autocomplete=\"item\":\n" + "\n".join(missing)
    assert {"web/templates/stock/form.html", "plugins/sales/templates/sales/form.html",
            "plugins/purchasing/templates/purchasing/matrix.html",
            "plugins/service/templates/service/complaint.html",
            "plugins/planning/templates/planning/index.html",
            "plugins/proposals/templates/proposals/calculator_section.html"} <= set(found)


def test_the_items_api_behind_the_suggestions_needs_item_read(make_site):
    from ordercraft.core.services.users import create_user

    site = make_site(plugins=[])
    site.cli("item add AC-HINGE --name 'Brass hinge'")
    site.cli("item add AC-OLD --name 'Old hinge'")
    site.cli("item update AC-OLD --inactive")
    with site.session() as session:
        create_user(session, "guest", roles=[], password="guest-password-1")
    admin = site.client("admin")
    found = admin.get("/api/v1/items?q=hinge&active=true&limit=8").get_json()
    assert [i["sku"] for i in found["items"]] == ["AC-HINGE"]
    page = admin.get("/stock/receive").get_data(as_text=True)
    assert '<meta name="autocomplete-item-url" content="/api/v1/items">' in page
    assert 'data-autocomplete="item" autocomplete="off"' in page
    guest = site.client("guest", password="guest-password-1")
    assert guest.get("/api/v1/items?q=hinge").status_code == 403
    assert site.app.test_client().get("/api/v1/items?q=hinge").status_code == 401
