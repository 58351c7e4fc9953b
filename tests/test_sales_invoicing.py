"""Invoices, payments and receivables (sales): the Robokids money story worked by hand.

The order (tax 20 % on every line)::

    ROBOT-STD     10 x 1450.00          net 14500.00  tax 2900.00  total 17400.00
    KIT            5 x  320.00 - 10 %   net  1440.00  tax  288.00  total  1728.00
    ROBOT-CUSTOM   4 x 2950.00          net 11800.00  tax 2360.00  total 14160.00
                                        subtotal 27740.00, tax 5548.00, total 33288.00

Schedule: 30 % before production (33288.00 x 0.30 = 9986.40; the tax is 1/6 of every
gross amount here: 1664.40, net 8322.00), the rest 30 days after shipment.
"""

from datetime import date
from decimal import Decimal

import pytest

import sales_kit as kit
from ordercraft.sdk.errors import Conflict, ValidationError

D = Decimal


@pytest.fixture
def site(make_site):
    return kit.build(make_site)


def _order(site):
    order_id = kit.order(site, "ROBOT-STD:10::0:20", "KIT:5::10:20", "ROBOT-CUSTOM:4:2950:0:20",
                         order_date="2024-03-04")
    kit.move(site, order_id, "confirm")
    with site.session() as session:
        from ordercraft.plugins.sales.invoicing import set_schedule

        set_schedule(session, order_id, [
            {"label": "Prepayment", "percent": "30", "trigger": "before_production"},
            {"label": "Rest", "percent": "70", "trigger": "days_after", "days": 30}])
    return order_id


def test_prepayment_payment_shipment_invoice_and_zero_receivables(site):
    from ordercraft.plugins.sales import invoicing
    from ordercraft.plugins.sales.receivables import receivables

    order_id = _order(site)
    with site.session() as session:
        pre = invoicing.issue_prepayment(session, order_id, 1, "2024-03-05")
        body = invoicing.invoice_dict(pre)
    assert (body["number"], body["kind"], body["state"], body["due_date"]) == (
        "INV-00001", "prepayment", "issued", date(2024, 3, 19))
    assert (body["subtotal"], body["tax_total"], body["total"], body["open"],
            body["currency"]) == (D("8322.00"), D("1664.40"), D("9986.40"), D("9986.40"), "EUR")

    with site.session() as session:
        payment = invoicing.record_payment(session, kit.SCHOOL, "10000.00",
                                           pay_date="2024-03-07", reference="INV-00001",
                                           allocations=[{"invoice": "INV-00001"}])
        assert payment.unallocated == D("13.60")  # the overpayment stays as credit
    with site.session() as session:
        assert invoicing.get_invoice(session, "INV-00001").state == "paid"
    # the paid "before production" milestone released the order to production
    assert kit.state(site, order_id) == "in_production"

    kit.ship(site, order_id, [(1, 6), (2, 5)], ship_date="2024-03-20")
    with site.session() as session:
        final = invoicing.issue_shipment_invoice(session, order_id, "2024-03-20")
        body = invoicing.invoice_dict(final)
    assert [(line["description"], line["qty"], line["net"], line["tax"], line["total"])
            for line in body["lines"]] == [
        ("Standard robot", D("6"), D("8700.00"), D("1740.00"), D("10440.00")),
        ("Construction kit", D("5"), D("1440.00"), D("288.00"), D("1728.00")),
        ("Less prepayments invoiced", D("1"), D("-8322.00"), D("-1664.40"), D("-9986.40"))]
    # 12168.00 of goods less the 9986.40 prepaid: the sums of the rounded lines
    assert (body["subtotal"], body["tax_total"], body["total"]) == (
        D("1818.00"), D("363.60"), D("2181.60"))

    with site.session() as session:
        invoicing.allocate(session, "PAY-00001", final.number)   # the 13.60 credit
        late = invoicing.record_payment(session, kit.SCHOOL, "2168.00", pay_date="2024-04-01",
                                        allocations=[{"invoice": final.number,
                                                      "amount": "2168.00"}])
        assert late.unallocated == 0
    with site.session() as session:
        report = receivables(session, as_of="2024-04-02")
        assert invoicing.get_invoice(session, final.number).state == "paid"
    assert (report["total"], report["credit"], report["balance"]) == (D("0.00"),) * 3
    assert report["clients"] == []


def test_credit_note_for_a_return_leaves_client_credit(site):
    from ordercraft.plugins.sales import invoicing
    from ordercraft.plugins.sales.receivables import receivables

    order_id = kit.order(site, "KIT:3::0:20", order_date="2024-03-04")
    kit.move(site, order_id, "confirm")
    kit.ship(site, order_id, ship_date="2024-03-05")
    with site.session() as session:
        invoice = invoicing.issue_shipment_invoice(session, order_id, "2024-03-05")
        # 3 x 320.00 = 960.00 + 192.00 tax = 1152.00
        assert (invoice.total, invoice.number) == (D("1152.00"), "INV-00001")
        invoicing.record_payment(session, kit.SCHOOL, "1152.00", pay_date="2024-03-10",
                                 allocations=[{"invoice": invoice.number}])
    assert kit.state(site, order_id) == "paid"   # shipped -> invoiced -> paid, by the money
    with site.session() as session:
        note = invoicing.issue_credit_note(session, "INV-00001", lines=[{"line": 1, "qty": 1}],
                                           reason="one kit returned", issue_date="2024-03-12")
        body = invoicing.invoice_dict(note)
        report = receivables(session, as_of="2024-03-12")
    assert (body["number"], body["kind"], body["total"], body["open"]) == (
        "CN-00001", "credit_note", D("-384.00"), D("-384.00"))
    assert (report["credit"], report["balance"]) == (D("384.00"), D("-384.00"))


def test_aging_buckets_by_days_past_due(site):
    from ordercraft.plugins.sales import invoicing
    from ordercraft.plugins.sales.receivables import receivables

    def invoiced(line, day, client=kit.SCHOOL):
        order_id = kit.order(site, line, client=client, order_date=day)
        kit.move(site, order_id, "confirm")
        with site.session() as session:
            invoicing.set_schedule(session, order_id, [
                {"label": "All", "percent": "100", "trigger": "acceptance"}])
            return invoicing.issue_prepayment(session, order_id, 1, day).number

    invoiced("KIT:1::0:0", "2024-02-20")             # due 03-05: current       320.00
    invoiced("KIT:2::0:0", "2024-02-01")             # due 02-15: 15 days        640.00
    third = invoiced("KIT:3::0:0", "2024-01-01")     # due 01-15: 46 days  960.00 - 100.00
    invoiced("SENSOR:10::0:0", "2023-11-01", kit.CLUB)  # due 11-15: 107 days     42.00
    with site.session() as session:
        invoicing.record_payment(session, kit.SCHOOL, "100.00", pay_date="2024-02-01",
                                 allocations=[{"invoice": third}])
        report = receivables(session, as_of="2024-03-01")
        assert invoicing.get_invoice(session, third).state == "partially_paid"
        overdue = invoicing.list_invoices(session, overdue_on="2024-03-01")
    assert report["buckets"] == {"current": D("320.00"), "1-30": D("640.00"),
                                 "31-60": D("860.00"), "61-90": D("0.00"),
                                 "over_90": D("42.00")}
    assert (report["total"], report["overdue"]) == (D("1862.00"), D("1542.00"))
    assert [(r["client"], r["total"], r["overdue"]) for r in report["clients"]] == [
        (kit.CLUB, D("42.00"), D("42.00")), (kit.SCHOOL, D("1820.00"), D("1500.00"))]
    assert overdue.total == 3
    # the edges: the 640.00 due 02-15 is 30 days past due on 03-16 (1-30, with the 320.00
    # 11 days past due), 31 days on 03-17 (31-60)
    with site.session() as session:
        on_30 = receivables(session, as_of="2024-03-16", client=kit.SCHOOL)["buckets"]
        on_31 = receivables(session, as_of="2024-03-17", client=kit.SCHOOL)["buckets"]
    assert (on_30["1-30"], on_31["1-30"], on_31["31-60"]) == (
        D("960.00"), D("320.00"), D("640.00"))


def test_percent_milestone_rounds_half_up(site):
    from ordercraft.plugins.sales import invoicing

    order_id = kit.order(site, "KIT:1:100.01:0:0", order_date="2024-03-04")
    kit.move(site, order_id, "confirm")
    with site.session() as session:
        invoicing.set_schedule(session, order_id, [
            {"label": "Half", "percent": "50", "trigger": "acceptance"}])
        # 100.01 x 50 % = 50.005 -> 50.01 (half up)
        assert invoicing.issue_prepayment(session, order_id, 1, "2024-03-04").total == D("50.01")


def test_refusals_name_the_field_and_save_nothing(site):
    from ordercraft.plugins.sales import invoicing
    from ordercraft.sdk.workflow import transition

    order_id = _order(site)
    with site.session() as session:
        invoicing.issue_prepayment(session, order_id, 1, "2024-03-05")
        invoicing.issue_prepayment(session, order_id, 2, "2024-03-05")
    with pytest.raises(ValidationError) as too_much, site.session() as session:
        invoicing.record_payment(session, kit.SCHOOL, "20000.00", pay_date="2024-03-07",
                                 allocations=[{"invoice": "INV-00001", "amount": "9986.41"}])
    assert too_much.value.field == "allocations.0.amount"
    assert "9986.41 is more than the 9986.40 open on invoice INV-00001" in too_much.value.message
    with site.session() as session:
        transition(session, invoicing.get_invoice(session, "INV-00002"), "cancel",
                   reason="schedule changed")
    with pytest.raises(Conflict) as cancelled, site.session() as session:
        invoicing.record_payment(session, kit.SCHOOL, "100.00",
                                 allocations=[{"invoice": "INV-00002"}])
    assert cancelled.value.field == "allocations.0.invoice"
    with pytest.raises(Conflict) as twice, site.session() as session:
        invoicing.issue_prepayment(session, order_id, 1)
    assert twice.value.field == "milestone"
    with pytest.raises(ValidationError) as over, site.session() as session:
        invoicing.set_schedule(session, kit.order(site, "KIT:1", order_date="2024-03-04"), [
            {"label": "a", "percent": "60", "trigger": "acceptance"},
            {"label": "b", "amount": "200.00", "trigger": "shipment"}])
    assert over.value.field == "milestones.1"
    with site.session() as session:
        from sqlalchemy import func, select

        from ordercraft.plugins.sales.models import Payment

        assert session.scalar(select(func.count()).select_from(Payment)) == 0
        assert invoicing.get_invoice(session, "INV-00001").open_amount == D("9986.40")


def test_bank_statement_matches_by_reference_then_amount(site, tmp_path):
    from ordercraft.plugins.sales import invoicing

    order_id = _order(site)
    with site.session() as session:
        invoicing.issue_prepayment(session, order_id, 1, "2024-03-05")
    statement = ("date,amount,payer,reference\n"
                 "2024-03-06,500.00,Future Engineers Robotics School,invoice inv-00001 part\n"
                 "2024-03-07,9486.40,Someone,transfer\n"
                 "2024-03-07,77.00,Nobody,unknown\n"
                 "2024-03-07,-12.00,Bank,fee\n")
    with site.session() as session:
        review = [m.as_dict() for m in invoicing.import_statement(session, statement)]
    assert [(r["row"], r["invoice"], r["matched_by"]) for r in review] == [
        (2, "INV-00001", "reference"), (3, None, "unmatched"), (4, None, "unmatched")]
    with site.session() as session:
        applied = invoicing.import_statement(session, statement, apply=True)
        assert [m.payment for m in applied] == ["PAY-00001", None, None]
        # now 9486.40 is open: the second row matches by amount
        again = invoicing.match_statement(session, "date,amount,payer,reference\n"
                                                   "2024-03-07,9486.40,Someone,transfer\n")
    assert (again[0].invoice, again[0].how) == ("INV-00001", "amount")
