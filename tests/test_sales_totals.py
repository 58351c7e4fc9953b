"""An order's money: exact decimals, rounded half up to cents once per line (net after
discount, then tax), totals that are the sums of the printed line figures — the same on
SQLite and PostgreSQL."""

from decimal import Decimal

import pytest

import sales_kit as kit
from ordercraft.plugins.sales.totals import amount_in_words, line_amounts, order_totals

D = Decimal


@pytest.mark.parametrize("qty,price,discount,tax,net,tax_amount,total", [
    ("10", "1450", "0", "20", "14500.00", "2900.00", "17400.00"),
    ("3", "0.335", "0", "0", "1.01", "0.00", "1.01"),        # 1.005 rounds half up
    ("1", "19.99", "15", "20", "16.99", "3.40", "20.39"),     # 16.9915 -> 16.99; 3.398 -> 3.40
    ("7", "0.0375", "0", "20", "0.26", "0.05", "0.31"),       # 0.2625 -> 0.26; 0.052 -> 0.05
    ("2.5", "18.50", "10", "5", "41.63", "2.08", "43.71"),    # 41.625 -> 41.63; 2.0815 -> 2.08
    ("1", "100", "100", "20", "0.00", "0.00", "0.00"),
    ("0.001", "0.01", "0", "0", "0.00", "0.00", "0.00"),
])
def test_line_amounts_round_half_up_per_line(qty, price, discount, tax, net, tax_amount, total):
    amounts = line_amounts(D(qty), D(price), D(discount), D(tax))
    assert (str(amounts.net), str(amounts.tax), str(amounts.total)) == (net, tax_amount, total)


def test_the_order_total_is_the_sum_of_the_rounded_lines():
    # Three lines of 0.335 x 3 = 1.005 each: rounded per line they print 1.01 three times,
    # so the total is 3.03 (rounding the sum, 3.015, would print 3.02 under 1.01+1.01+1.01).
    lines = [line_amounts(D(3), D("0.335"), D(0), D(20)) for _ in range(3)]
    totals = order_totals(lines)
    assert (totals.subtotal, totals.tax_total, totals.total) == (D("3.03"), D("0.60"),
                                                                 D("3.63"))


def test_amount_in_words():
    assert amount_in_words(D("1450.5")) == "one thousand four hundred and fifty and 50/100"
    assert amount_in_words(D("16308")) == "sixteen thousand three hundred and eight and 00/100"
    assert amount_in_words(D("0.07")) == "zero and 07/100"
    assert amount_in_words(D("2000021")) == "two million twenty-one and 00/100"


def test_stored_totals_are_exact_on_the_database(make_site):
    site = kit.build(make_site, stock=False)
    from ordercraft.plugins.sales.orders import get_order, list_orders

    order_id = kit.order(site, "PAINT:2.5:18.50:10:5", "SENSOR:3:0.335", "SENSOR:3:0.335",
                         "SENSOR:3:0.335", "KIT:1:19.99:15:20")
    with site.session() as session:
        order = get_order(session, order_id)
        assert [line.net_amount for line in order.lines] == [
            D("41.63"), D("1.01"), D("1.01"), D("1.01"), D("16.99")]
        assert (order.subtotal, order.tax_total, order.total) == (
            D("61.65"), D("5.48"), D("67.13"))
        assert list_orders(session).items[0].total == D("67.13")


@pytest.mark.parametrize("currency,net,tax,total", [
    ("JPY", "299", "30", "329"),            # 298.5 -> 299 yen; 29.9 -> 30
    ("KWD", "298.500", "29.850", "328.350"),
    ("EUR", "298.50", "29.85", "328.35"),
])
def test_lines_round_to_the_currencys_smallest_unit(currency, net, tax, total):
    from ordercraft.sdk.money import minor_unit

    amounts = line_amounts(D(3), D("99.5"), D(0), D(10), minor_unit(currency))
    assert (str(amounts.net), str(amounts.tax), str(amounts.total)) == (net, tax, total)


def test_an_order_in_yen_rounds_to_whole_yen(make_site):
    from ordercraft.plugins.sales.orders import get_order
    from ordercraft.sdk.settings import set_setting

    site = kit.build(make_site, stock=False)
    with site.session() as session:
        set_setting(session, "sales_currency", "JPY")
    order_id = kit.order(site, "SENSOR:3:99.5:0:10", "KIT:1:0.4")
    with site.session() as session:
        order = get_order(session, order_id)
        assert [(line.net_amount, line.tax_amount) for line in order.lines] == [
            (D("299"), D("30")), (D("0"), D("0"))]
        assert (order.subtotal, order.tax_total, order.total) == (D("299"), D("30"), D("329"))
