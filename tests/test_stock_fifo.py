"""FIFO (batch accounting) worked examples: layers, partial consumption, transfers,
exact values, refusals. The scenario format is described in tests/stock_book.py."""


import pytest

from stock_book import Book


@pytest.fixture
def book(site):
    return (Book(site).items(BOLT="fifo", WIRE=("fifo", "m", 2), SCREW="fifo")
            .warehouses("MAIN", "SIDE"))


def test_issue_takes_the_oldest_layers_first_and_splits_a_layer(book):
    book.run("""
        2024-03-01 receive BOLT MAIN 100 @ 0.50   => 50.0000
        2024-03-02 receive BOLT MAIN 200 @ 0.55   => 110.0000
        balance BOLT MAIN: 300 worth 160.0000 cost 0.533333
        2024-03-05 issue   BOLT MAIN 150          => -77.5000   # 100 x 0.50 + 50 x 0.55
        balance BOLT MAIN: 150 worth 82.5000 cost 0.55
        layers  BOLT MAIN: 150 @ 0.55
        2024-03-06 issue   BOLT MAIN 120          => -66.0000   # 120 x 0.55
        layers  BOLT MAIN: 30 @ 0.55
        2024-03-07 receive BOLT MAIN 10 @ 0.60    => 6.0000
        2024-03-08 issue   BOLT MAIN 35           => -19.5000   # 30 x 0.55 + 5 x 0.60
        balance BOLT MAIN: 5 worth 3.0000 cost 0.60
        verify
    """)


def test_stock_value_is_exactly_the_sum_of_its_layers(book):
    # Three units for 10.00: issued one at a time they cost 3.3333, 3.3334 and 3.3333
    # (each issue takes the layer's value down to what its remaining units are worth,
    # rounded), and the three add up to exactly 10.0000: nothing is lost to rounding.
    book.run("""
        2024-03-01 receive SCREW MAIN 3 @ 3.333333  => 10.0000
        2024-03-02 issue   SCREW MAIN 1             => -3.3333
        balance SCREW MAIN: 2 worth 6.6667 cost 3.33335
        2024-03-03 issue   SCREW MAIN 1             => -3.3334
        2024-03-04 issue   SCREW MAIN 1             => -3.3333
        balance SCREW MAIN: 0 worth 0.0000
        layers  SCREW MAIN: none
        verify
    """)


def test_fractional_quantities_at_the_units_precision(book):
    # Wire in metres with two decimals: 12.5 m at 0.84 = 10.5000; 2.25 m at 0.84 = 1.8900.
    book.run("""
        2024-03-01 receive WIRE MAIN 12.5 @ 0.84   => 10.5000
        2024-03-02 receive WIRE MAIN 4 @ 0.90      => 3.6000
        2024-03-03 issue   WIRE MAIN 12.75         => -10.7250  # 12.5 x 0.84 + 0.25 x 0.90
        2024-03-03 issue   WIRE MAIN 0.125         !! its unit allows 2 decimal places
        balance WIRE MAIN: 3.75 worth 3.3750 cost 0.90
        verify
    """)


def test_transfer_carries_the_costs_of_the_layers_it_takes(book):
    book.run("""
        2024-03-01 receive  BOLT MAIN 10 @ 5.00    => 50.0000
        2024-03-02 receive  BOLT MAIN 10 @ 7.00    => 70.0000
        2024-03-03 transfer BOLT MAIN>SIDE 15      => -85.0000 85.0000   # 10 x 5 + 5 x 7
        layers  BOLT SIDE: 10 @ 5.00, 5 @ 7.00
        layers  BOLT MAIN: 5 @ 7.00
        2024-03-04 issue    BOLT SIDE 12           => -64.0000           # 10 x 5 + 2 x 7
        balance BOLT SIDE: 3 worth 21.0000 cost 7.00
        balance BOLT MAIN: 5 worth 35.0000 cost 7.00
        verify
    """)


def test_fifo_stock_never_goes_below_zero(book):
    book.run("""
        2024-03-01 receive  BOLT MAIN 10 @ 5.00
        2024-03-02 issue    BOLT MAIN 11         !! not enough 'BOLT' in warehouse 'MAIN' to issue: requested 11 pc, available 10 pc
        2024-03-02 transfer BOLT MAIN>SIDE 11    !! requested 11 pc, available 10 pc
        2024-03-02 write_off BOLT MAIN 12        !! to write off: requested 12 pc, available 10 pc
        2024-03-02 issue    BOLT SIDE 1          !! in warehouse 'SIDE' to issue: requested 1 pc, available 0 pc
        2024-03-02 issue    BOLT MAIN 10         => -50.0000
        balance BOLT MAIN: 0 worth 0.0000
        verify
    """)


def test_write_off_is_valued_like_an_issue(book):
    book.run("""
        2024-03-01 receive   BOLT MAIN 4 @ 2.50
        2024-03-02 receive   BOLT MAIN 4 @ 3.00
        2024-03-03 write_off BOLT MAIN 5     => -13.0000     # 4 x 2.50 + 1 x 3.00
        balance BOLT MAIN: 3 worth 9.0000
    """)


def test_a_document_of_several_lines_posts_them_in_order(site, book):
    from ordercraft.sdk import stock

    with site.session() as session:
        stock.receive(session, "BOLT", "MAIN", 4, "10", date="2024-03-01")
        stock.receive(session, "BOLT", "MAIN", 2, "25", date="2024-03-02")
        posted = stock.post(session, "issue", [
            {"item": "BOLT", "warehouse": "MAIN", "qty": 3},
            {"item": "BOLT", "warehouse": "MAIN", "qty": 2},
        ], date="2024-03-03", ref="SHIP-1")
    assert [m.value for m in posted.moves] == [-30, -35]   # 3 x 10; 1 x 10 + 1 x 25
    with site.session() as session:
        document = stock.document(session, posted.id)
    assert document["ref"] == "SHIP-1" and len(document["moves"]) == 2


def test_a_document_that_fails_on_one_line_posts_nothing(site, book):
    from ordercraft.core.stock.errors import InsufficientStock
    from ordercraft.sdk import stock

    with site.session() as session:
        stock.receive(session, "BOLT", "MAIN", 4, "10", date="2024-03-01")
    with pytest.raises(InsufficientStock), site.session() as session:
        stock.post(session, "issue", [
            {"item": "BOLT", "warehouse": "MAIN", "qty": 3},
            {"item": "BOLT", "warehouse": "MAIN", "qty": 2},   # only 1 left after line 1
        ])
    with site.session() as session:
        assert stock.balance(session, "BOLT", "MAIN").qty == 4
        assert stock.moves(session, "BOLT").total == 1
