"""Backdated documents: later moves of the item are re-valued in the same transaction,
by new ``reval`` rows (posted moves never change); a backdated posting that would take
FIFO stock below zero at a later point is refused, saying when and by how much."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ordercraft.core.stock.models import StockMove
from stock_book import Book


@pytest.fixture
def book(site):
    return (Book(site).items(BOLT="fifo", OIL="average", NUT="fifo")
            .warehouses("MAIN", "SIDE"))


def _rows(site, role):
    with site.session() as session:
        return session.scalar(select(func.count()).where(StockMove.role == role))


def test_backdated_receipt_revalues_later_fifo_issues(site, book):
    book.run("""
        2024-03-01 receive BOLT MAIN 10 @ 5.00
        i1: 2024-03-10 issue BOLT MAIN 8    => -40.0000
        i2: 2024-03-12 issue BOLT MAIN 2    => -10.0000
        # A delivery of 20 February is entered late: it is the oldest layer now, so the
        # issues of March consume it instead of the receipt of 1 March.
        2024-02-20 receive BOLT MAIN 10 @ 3.00  => 30.0000
        value i1: -24.0000
        value i2: -6.0000
        balance BOLT MAIN: 10 worth 50.0000 cost 5.00
        layers  BOLT MAIN: 10 @ 5.00
        verify
    """)
    # The issues' own rows are untouched; each change of value is a row of its own.
    assert _rows(site, "reval") == 2
    with site.session() as session:
        values = sorted(session.scalars(select(StockMove.value).where(StockMove.role == "reval")))
    assert values == [Decimal(4), Decimal(16)]


def test_a_receipt_on_the_same_day_goes_after_that_days_moves(book):
    # Same business date: posting order decides, so nothing is re-valued.
    book.run("""
        2024-03-01 receive BOLT MAIN 10 @ 5.00
        i1: 2024-03-05 issue BOLT MAIN 4    => -20.0000
        2024-03-05 receive BOLT MAIN 10 @ 1.00
        value i1: -20.0000
        layers BOLT MAIN: 6 @ 5.00, 10 @ 1.00
    """)


def test_backdated_receipt_revalues_later_average_issues(book):
    book.run("""
        2024-03-01 receive OIL MAIN 10 @ 4.00
        i1: 2024-03-05 issue OIL MAIN 5     => -20.0000
        2024-03-03 receive OIL MAIN 10 @ 7.00
        # From 3 March the average is (40 + 70) / 20 = 5.50: the issue is worth 27.50.
        value i1: -27.5000
        balance OIL MAIN: 15 worth 82.5000 cost 5.50
        verify
    """)


def test_backdated_issue_revalues_a_later_settlement(book):
    book.run("""
        2024-03-01 receive OIL MAIN 2 @ 4.00
        r1: 2024-03-10 receive OIL MAIN 2 @ 6.00   => 12.0000
        # Issuing 3 on 5 March makes the stock -1 (at 4.00) until the receipt of
        # 10 March, which now settles it at 6.00: settlement -2.00 appears after the fact.
        2024-03-05 issue OIL MAIN 3                => -12.0000
        balance OIL MAIN: 1 worth 6.0000 cost 6.00
        verify
    """)


def test_backdated_issue_refused_when_fifo_would_go_negative_later(book):
    book.run("""
        2024-03-01 receive BOLT MAIN 10 @ 5.00
        2024-03-10 issue   BOLT MAIN 8
        2024-03-20 receive BOLT MAIN 10 @ 6.00
        # 12 on hand today, but an issue of 5 on 5 March leaves 5 for the 8 issued on
        # 10 March:
        2024-03-05 issue   BOLT MAIN 5    !! the issue dated 2024-03-05 would make the stock of 'BOLT' in warehouse 'MAIN' negative on 2024-03-10 (document 2 takes 8 pc, only 5 pc would be there): short by 3 pc
        2024-03-05 issue   BOLT MAIN 2    => -10.0000
        2024-03-25 issue   BOLT MAIN 11   !! requested 11 pc, available 10 pc
        verify
    """)


def test_backdated_transfer_refused_when_the_source_would_go_negative_later(book):
    book.run("""
        2024-03-01 receive  BOLT MAIN 10 @ 5.00
        2024-03-10 issue    BOLT MAIN 6
        2024-03-20 receive  BOLT MAIN 10 @ 6.00
        2024-03-05 transfer BOLT MAIN>SIDE 6  !! negative on 2024-03-10 (document 2 takes 6 pc, only 4 pc would be there): short by 2 pc
        verify
    """)


def test_revaluation_follows_a_later_transfer_into_the_other_warehouse(book):
    book.run("""
        2024-03-01 receive  BOLT MAIN 10 @ 5.00
        t1: 2024-03-05 transfer BOLT MAIN>SIDE 6    => -30.0000 30.0000
        i1: 2024-03-07 issue BOLT SIDE 4            => -20.0000
        # A backdated receipt at MAIN changes what the transfer took (4 x 2 + 2 x 5),
        # so the layers it opened at SIDE and the issue there are re-valued too.
        2024-02-25 receive  BOLT MAIN 4 @ 2.00
        value t1: -18.0000 18.0000
        layers BOLT SIDE: 2 @ 5.00
        value i1: -8.0000
        balance BOLT SIDE: 2 worth 10.0000
        balance BOLT MAIN: 8 worth 40.0000
        verify
    """)


def test_revaluation_crosses_warehouses_back_and_forth(book):
    book.run("""
        2024-03-01 receive  NUT MAIN 5 @ 1.00
        2024-03-02 transfer NUT MAIN>SIDE 5
        2024-03-03 receive  NUT SIDE 5 @ 3.00
        r1: 2024-03-04 transfer NUT SIDE>MAIN 6     => -8.0000 8.0000
        i1: 2024-03-05 issue NUT MAIN 6             => -8.0000
        2024-02-28 receive  NUT MAIN 5 @ 0.50
        # MAIN's oldest layer is now 5 x 0.50: the first transfer carries it to SIDE,
        # the way back carries 5 x 0.50 + 1 x 3.00, and the issue at MAIN takes
        # 5 x 1.00 (still at MAIN) + 1 x 0.50.
        value r1: -5.5000 5.5000
        value i1: -5.5000
        layers  NUT MAIN: 4 @ 0.50, 1 @ 3.00
        balance NUT MAIN: 5 worth 5.0000
        balance NUT SIDE: 4 worth 12.0000      # 2.50 + 5.00 + 15.00 received, 5.50 issued
        verify
    """)


def test_backdated_count_counts_what_was_there_on_that_day(book):
    book.run("""
        2024-03-01 receive BOLT MAIN 10 @ 5.00
        2024-03-10 receive BOLT MAIN 10 @ 6.00
        # On 5 March only 9 were found: one lost, valued as the oldest (5.00).
        2024-03-05 count   BOLT MAIN 9     => -5.0000
        balance BOLT MAIN: 19 worth 105.0000    # 9 x 5.00 + 10 x 6.00
        verify
    """)


def test_work_is_limited_to_the_moves_after_the_backdated_date(site, book, monkeypatch):
    from ordercraft.core.stock import store
    from ordercraft.sdk import stock

    with site.session() as session:
        stock.receive(session, "NUT", "MAIN", 100, "1.00", date="2024-01-01")
        stock.receive(session, "OIL", "MAIN", 100, "5.00", date="2024-01-01")
        for day in range(1, 29):
            stock.issue(session, "NUT", "MAIN", 1, date=f"2024-02-{day:02d}")
            stock.issue(session, "OIL", "MAIN", 1, date=f"2024-02-{day:02d}")
    read: list[int] = []
    later = store.Ledger.later

    def counting(self, item_id, warehouse_id, point):
        found = later(self, item_id, warehouse_id, point)
        read.append(len(found))
        return found

    monkeypatch.setattr(store.Ledger, "later", counting)
    with site.session() as session:
        # After the issue of 25 February: 75 at 5.00; with 25 at 1.00, 100 at 4.00.
        stock.receive(session, "OIL", "MAIN", 25, "1.00", date="2024-02-25")
    # Only the oil's moves dated after 25 February (26, 27, 28) were read and re-valued.
    assert read == [3]
    assert _rows(site, "reval") == 3
    with site.session() as session:
        history = stock.moves(session, "OIL", newest_first=True, limit=4).items
        assert [m.value for m in history] == [Decimal(-4)] * 3 + [Decimal(25)]
        assert stock.balance(session, "OIL", "MAIN").value == Decimal("388.0000")  # 97 x 4
        assert stock.verify(session).ok
