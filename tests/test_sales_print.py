"""Print forms: the four order forms as HTML and PDF, a site's own templates in place of
the shipped ones, and plugins adding forms through the hook ``print_forms``."""

import types

import pytest

import sales_kit as kit
from ordercraft.core.errors import NotFound, PluginError, ValidationError
from ordercraft.sdk import PluginInfo, hookimpl


@pytest.fixture
def site(make_site):
    return kit.build(make_site)


def shipped_order(site):
    order_id = kit.order(site, "ROBOT-STD:10", "KIT:5::10:20", "SW-INSTALL:2",
                         order_date="2024-03-04", due_date="2024-04-01", notes="Room 4")
    kit.move(site, order_id, "confirm")
    kit.ship(site, order_id, [(1, 4), (2, 5)], ship_date="2024-03-10")
    return order_id


def render(site, order_id, form, **kwargs):
    from ordercraft.plugins.sales.orders import get_order
    from ordercraft.plugins.sales.printing import render_order_form

    with site.session() as session:
        return render_order_form(session, get_order(session, order_id), form, **kwargs)


def set_company(site, **values):
    from ordercraft.core.models import SiteSetting

    with site.session() as session:
        for key, value in values.items():
            session.merge(SiteSetting(key=f"company_{key}", value=value))


def test_the_four_forms_as_html(site):
    set_company(site, name="RoboWorks Workshop Ltd", bank_details="Sort code 12-34-56")
    order_id = shipped_order(site)
    confirmation = render(site, order_id, "confirmation")
    assert "Order confirmation" in confirmation and "RoboWorks Workshop Ltd" in confirmation
    assert "Future Engineers Academy Trust" in confirmation   # the buyer's legal entity
    assert "supplied by Apr 1, 2024." in confirmation   # the site's locale
    invoice = render(site, order_id, "invoice")
    assert "INV-SO-00001" in invoice and "Sort code 12-34-56" in invoice
    # Lines, the tax by rate, the total and the total in words, all exact.
    for text in ("14,500.00", "1,440.00", "288.00", "16,308.00", "Tax 20% on €1,440.00",
                 "sixteen thousand three hundred and eight and 00/100"):
        assert text in invoice, text
    delivery = render(site, order_id, "delivery_note")
    assert "No. SO-00001-1" in delivery and "Mar 10, 2024" in delivery
    assert ">4 pc<" in delivery and ">5 pc<" in delivery and "SW-INSTALL" not in delivery
    act = render(site, order_id, "act")
    assert "Act of completed work" in act and "Software installation" in act
    for html in (confirmation, invoice, delivery, act):
        assert "@page" in html and "size: A4" in html     # print CSS


def test_the_forms_as_pdf(site):
    order_id = shipped_order(site)
    for form in ("confirmation", "invoice", "delivery_note", "act"):
        pdf = render(site, order_id, form, pdf=True)
        assert pdf.startswith(b"%PDF"), form
        assert len(pdf) > 3000


def test_a_delivery_note_before_any_shipment_says_so(site):
    order_id = kit.order(site, "KIT:1")
    assert "Nothing of order SO-00001 has been shipped yet." in render(
        site, order_id, "delivery_note")


def test_an_unknown_form_names_the_forms(site):
    order_id = kit.order(site, "KIT:1")
    with pytest.raises(NotFound, match="order has no print form 'receipt' "
                                       r"\(forms: confirmation, invoice, delivery_note, act\)"):
        render(site, order_id, "receipt")


def test_a_site_overrides_a_template_in_its_own_folder(site, tmp_path):
    order_id = kit.order(site, "KIT:2")
    (tmp_path / "sales").mkdir()
    (tmp_path / "sales" / "invoice.html").write_text(
        '{% extends "print/base.html" %}{% block heading %}Rechnung{% endblock %}'
        '{% block content %}Betrag: {{ totals.total | money }}{% endblock %}')
    result = site.cli(f"order forms --templates-dir {tmp_path} --json")
    assert result.exit_code == 0, result.output
    sources = {f["name"]: f["source"] for f in result.json()["forms"]}
    assert sources["invoice"] == str(tmp_path / "sales" / "invoice.html")
    assert sources["confirmation"].endswith("plugins/sales/print_templates/sales/confirmation.html")

    invoice = render(site, order_id, "invoice")
    assert "Rechnung" in invoice and "Betrag: €640.00" in invoice
    assert "Order confirmation" in render(site, order_id, "confirmation")  # the others stay
    assert render(site, order_id, "invoice", pdf=True).startswith(b"%PDF")

    site.cli("order forms --templates-dir ''")
    assert "Rechnung" not in render(site, order_id, "invoice")


def test_the_templates_folder_may_come_from_the_environment(site, tmp_path, monkeypatch):
    order_id = kit.order(site, "KIT:2")
    (tmp_path / "print").mkdir()
    (tmp_path / "print" / "base.html").write_text(
        "<html><body>LETTERHEAD {{ company.name }}|{% block content %}{% endblock %}"
        "</body></html>")
    monkeypatch.setenv("ORDERCRAFT_TEMPLATES_DIR", str(tmp_path))
    assert "LETTERHEAD" in render(site, order_id, "act")


def test_a_broken_site_template_is_an_error_naming_the_file(site, tmp_path):
    order_id = kit.order(site, "KIT:2")
    (tmp_path / "sales").mkdir()
    broken = tmp_path / "sales" / "act.html"
    broken.write_text("{% extends 'print/base.html' %}{% block content %}{{ order.nope.x }}"
                      "{% endblock %}")
    site.cli(f"order forms --templates-dir {tmp_path}")
    with pytest.raises(ValidationError, match=f"the template {broken} .*cannot be rendered"):
        render(site, order_id, "act")
    # Templates run sandboxed: no reaching into Python's internals.
    broken.write_text("{{ order.__class__.__mro__ }}")
    with pytest.raises(ValidationError, match="cannot be rendered"):
        render(site, order_id, "act")


def test_hook_print_forms(make_site, tmp_path):
    from ordercraft.core.printing import PrintForm

    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "packing.html").write_text(
        '{% extends "print/base.html" %}{% block heading %}Packing list{% endblock %}'
        "{% block content %}{% for line in lines %}[{{ line.item.sku }} x {{ line.qty | qty }}]"
        "{% endfor %}{% endblock %}")

    def print_forms(registry):
        registry.add(PrintForm("order", "packing_list", "Packing list", "extra/packing.html",
                               str(tmp_path), registry.context_of("order")))

    module = types.ModuleType("packing")
    module.plugin = PluginInfo("packing", requires=("sales",))  # called after sales
    module.print_forms = hookimpl(print_forms)
    site = kit.build(make_site, extra_plugins=[module])
    order_id = kit.order(site, "KIT:2", "SENSOR:10")
    html = render(site, order_id, "packing_list")
    assert "Packing list" in html and "[KIT x 2][SENSOR x 10]" in html
    forms = site.cli("order forms --json").json()["forms"]
    assert [(f["name"], f["plugin"]) for f in forms][-1] == ("packing_list", "packing")


def test_print_form_registrations_are_checked(make_site, tmp_path):
    from ordercraft.core.printing import PrintForm, print_forms

    def clash(registry):
        registry.add(PrintForm("order", "invoice", "Invoice", "x.html", str(tmp_path),
                               lambda session, document: {}))

    module = types.ModuleType("clash")
    module.plugin = PluginInfo("clash", requires=("sales",))
    module.print_forms = hookimpl(clash)
    site = kit.build(make_site, extra_plugins=[module])
    with pytest.raises(PluginError, match="print form order/invoice, already registered by "
                                          "plugin 'sales'"):
        print_forms(site.platform)

    def missing(registry):
        registry.add(PrintForm("order", "label", "Label", "label.html", str(tmp_path),
                               lambda session, document: {}))

    module = types.ModuleType("missing")
    module.print_forms = hookimpl(missing)
    site = make_site(plugins=[], extra_plugins=[module])
    with pytest.raises(PluginError, match="order/label: its template .*label.html does not "
                                          "exist"):
        print_forms(site.platform)
