"""Moving-average worked examples, negative stock and the receipt that settles it.
The scenario format is described in tests/stock_book.py; the convention in docs/stock.md."""


import pytest

from stock_book import Book


@pytest.fixture
def book(site):
    return Book(site).items(OIL="average", PAINT=("average", "l", 3)).warehouses("MAIN", "SIDE")


def test_receipts_average_in_and_issues_go_out_at_the_average(book):
    book.run("""
        2024-03-01 receive OIL MAIN 3 @ 10.00   => 30.0000
        2024-03-02 receive OIL MAIN 1 @ 11.00   => 11.0000
        balance OIL MAIN: 4 worth 41.0000 cost 10.25
        2024-03-03 issue   OIL MAIN 1           => -10.2500
        2024-03-04 receive OIL MAIN 2 @ 10.00   => 20.0000
        balance OIL MAIN: 5 worth 50.7500 cost 10.15
        2024-03-05 issue   OIL MAIN 3           => -30.4500
        balance OIL MAIN: 2 worth 20.3000 cost 10.15
        verify
    """)


def test_an_average_that_does_not_terminate(book):
    # 2 at 1.00 and 1 at 2.00: 4.00 for 3, an average of 1.333333...; one issued is
    # worth 1.3333, the last two take exactly what is left (2.6667), so the stock
    # goes to zero with no value left behind.
    book.run("""
        2024-03-01 receive OIL MAIN 2 @ 1.00
        2024-03-01 receive OIL MAIN 1 @ 2.00
        balance OIL MAIN: 3 worth 4.0000 cost 1.333333
        2024-03-02 issue   OIL MAIN 1         => -1.3333
        balance OIL MAIN: 2 worth 2.6667 cost 1.33335
        2024-03-03 issue   OIL MAIN 2         => -2.6667
        balance OIL MAIN: 0 worth 0.0000 cost 1.33335
        verify
    """)


def test_negative_stock_and_the_receipts_that_settle_it(book):
    # The worked example of docs/stock.md.
    book.run("""
        2024-03-01 receive OIL MAIN 10 @ 4.00   => 40.0000
        2024-03-02 receive OIL MAIN 10 @ 5.00   => 50.0000
        balance OIL MAIN: 20 worth 90.0000 cost 4.50
        # 25 issued with 20 in stock: 20 go out at their 90.00, the 5 missing at the
        # last known cost 4.50; the stock is -5 worth -22.50.
        2024-03-03 issue   OIL MAIN 25          => -112.5000
        balance OIL MAIN: -5 worth -22.5000 cost 4.50
        2024-03-04 issue   OIL MAIN 3           => -13.5000
        balance OIL MAIN: -8 worth -36.0000 cost 4.50
        # 6 arrive at 6.00: the receipt is worth 36.00; the shortage is now priced at
        # 6.00 (-2 x 6.00 = -12.00), and the difference, 9.00 for the 6 covered units
        # and 3.00 for the 2 still missing, is settled: -12.00.
        2024-03-05 receive OIL MAIN 6 @ 6.00    => 36.0000 settle -12.0000
        balance OIL MAIN: -2 worth -12.0000 cost 6.00
        # 10 at 6.50 bring the stock back above zero: the last 2 missing cost 6.50,
        # settled 1.00; the 8 left are worth 8 x 6.50.
        2024-03-06 receive OIL MAIN 10 @ 6.50   => 65.0000 settle -1.0000
        balance OIL MAIN: 8 worth 52.0000 cost 6.50
        # Conservation: 40 + 50 + 36 + 65 received, 112.50 + 13.50 issued, 13.00
        # settled: 52.00 left.
        verify
    """)


def test_an_issue_with_no_history_is_valued_at_zero_until_a_receipt_settles_it(book):
    # Nothing was ever received: no cost is known, so the issue is valued at 0.00;
    # the receipt prices the shortage at its cost and settles the difference.
    book.run("""
        2024-03-01 issue   OIL MAIN 2          => 0.0000
        balance OIL MAIN: -2 worth 0.0000 cost 0
        2024-03-02 receive OIL MAIN 5 @ 3.00   => 15.0000 settle -6.0000
        balance OIL MAIN: 3 worth 9.0000 cost 3.00
        verify
    """)


def test_transfer_moves_value_at_the_average(book):
    book.run("""
        2024-03-01 receive  OIL MAIN 4 @ 2.00
        2024-03-01 receive  OIL MAIN 2 @ 3.00
        2024-03-02 transfer OIL MAIN>SIDE 3     => -7.0000 7.0000
        balance OIL SIDE: 3 worth 7.0000 cost 2.333333
        balance OIL MAIN: 3 worth 7.0000 cost 2.333333
        2024-03-03 receive  OIL SIDE 1 @ 3.00
        balance OIL SIDE: 4 worth 10.0000 cost 2.50
        verify
    """)


def test_transfer_into_negative_stock_settles_at_the_transferred_cost(book):
    book.run("""
        2024-03-01 issue    OIL SIDE 2          => 0.0000
        2024-03-02 receive  OIL MAIN 4 @ 2.50
        # SIDE's 2 missing units (valued at 0.00: no cost was known there) are priced
        # at the 2.50 the transfer brings: settled -5.00.
        2024-03-03 transfer OIL MAIN>SIDE 3     => -7.5000 7.5000 settle -5.0000
        balance OIL SIDE: 1 worth 2.5000 cost 2.50
        verify
    """)


def test_average_stock_may_go_negative_but_fractions_follow_the_unit(book):
    book.run("""
        2024-03-01 receive PAINT MAIN 1.5 @ 12.00    => 18.0000
        2024-03-02 issue   PAINT MAIN 2.25           => -27.0000
        balance PAINT MAIN: -0.75 worth -9.0000 cost 12.00
        2024-03-02 issue   PAINT MAIN 0.0001         !! its unit allows 3 decimal places
        2024-03-03 receive PAINT MAIN 1.75 @ 10.00   => 17.5000 settle 1.5000
        balance PAINT MAIN: 1 worth 10.0000 cost 10.00
        verify
    """)
