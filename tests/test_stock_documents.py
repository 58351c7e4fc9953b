"""Documents: cancel by reversal, references, reservations, counts, checks of input,
permissions, the ``document_posted`` hook."""

import os
import types
from decimal import Decimal

import pytest
from sqlalchemy import select

from ordercraft.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from ordercraft.core.stock.errors import DuplicateReference, NotCancellable
from ordercraft.core.stock.models import StockDocument, StockMove
from ordercraft.sdk import hookimpl, stock
from stock_book import Book


@pytest.fixture
def book(site):
    return (Book(site).items(BOLT="fifo", OIL="average", PAINT=("fifo", "l", 3))
            .warehouses("MAIN", "SIDE"))


# --------------------------------------------------------------------------- cancel


def test_cancel_posts_a_reversal_and_restores_the_state(site, book):
    book.run("""
        2024-03-01 receive BOLT MAIN 10 @ 5.00
        i1: 2024-03-02 issue BOLT MAIN 4      => -20.0000
    """)
    before = book.snapshot()
    book.run("""
        i2: 2024-03-03 issue BOLT MAIN 3      => -15.0000
        cancel i2
        balance BOLT MAIN: 6 worth 30.0000 cost 5.00
        layers  BOLT MAIN: 6 @ 5.00
        verify
    """)
    with site.session() as session:
        issue = session.get(StockDocument, book.labels["i2"])
        assert issue.status == "cancelled"
        reversal = session.get(StockDocument, issue.reversed_by_id)
        assert (reversal.kind, reversal.reversal_of_id, reversal.doc_date) == (
            "reversal", issue.id, issue.doc_date)
        rows = session.scalars(select(StockMove).where(StockMove.document_id == reversal.id)).all()
        assert [(r.qty, r.value, r.pair_id) for r in rows] == [
            (Decimal(3), Decimal(15), session.scalars(select(StockMove.id).where(
                StockMove.document_id == issue.id)).one())]
    # Everything but the two documents is as it was: the valuation, the layers and the
    # balance; the ledger keeps the issue and its reversal.
    after = book.snapshot()
    tables = ("documents", "moves", "valuations", "layers", "consumptions", "balances")
    for name, old, new in zip(tables, before, after):
        if name in ("documents", "moves"):
            assert len(new) == len(old) + 2, name
        else:
            assert new == old, name


def test_cancelling_a_backdated_receipt_puts_later_values_back(book):
    book.run("""
        2024-03-01 receive BOLT MAIN 10 @ 5.00
        i1: 2024-03-10 issue BOLT MAIN 8        => -40.0000
        r1: 2024-02-20 receive BOLT MAIN 10 @ 3.00
        value i1: -24.0000
        cancel r1
        value i1: -40.0000
        balance BOLT MAIN: 2 worth 10.0000
        verify
    """)


def test_cancel_refused_when_later_issues_need_the_stock(book):
    book.run("""
        r1: 2024-03-01 receive BOLT MAIN 10 @ 5.00
        2024-03-02 receive BOLT MAIN 5 @ 6.00
        2024-03-05 issue   BOLT MAIN 8
        cancel r1    !! cancelling document 1 would make the stock of 'BOLT' in warehouse 'MAIN' negative on 2024-03-05 (document 3 takes 8 pc, only 5 pc would be there): short by 3 pc
        verify
    """)


def test_cancel_of_a_transfer_takes_it_out_of_both_warehouses(book):
    book.run("""
        2024-03-01 receive  BOLT MAIN 10 @ 5.00
        t1: 2024-03-02 transfer BOLT MAIN>SIDE 4
        cancel t1
        balance BOLT MAIN: 10 worth 50.0000
        balance BOLT SIDE: 0 worth 0.0000
        layers  BOLT SIDE: none
        layers  BOLT MAIN: 10 @ 5.00
        verify
    """)


def test_cancel_of_an_average_receipt_that_settled_negative_stock(book):
    book.run("""
        2024-03-01 issue   OIL MAIN 2
        r1: 2024-03-02 receive OIL MAIN 5 @ 3.00   => 15.0000 settle -6.0000
        cancel r1
        balance OIL MAIN: -2 worth 0.0000
        verify
    """)


def test_a_document_is_cancelled_once_and_a_reversal_never(site, book):
    book.run("""
        r1: 2024-03-01 receive BOLT MAIN 10 @ 5.00
        cancel r1
        cancel r1    !! document 1 was cancelled already (by document 2)
    """)
    with pytest.raises(NotCancellable, match="is itself a reversal"), site.session() as s:
        stock.cancel(s, 2)
    with pytest.raises(NotFound, match="stock document 99 does not exist"), site.session() as s:
        stock.cancel(s, 99)


# --------------------------------------------------------------------------- references


def test_a_reference_is_posted_once_per_kind(site, book):
    book.run("""
        2024-03-01 receive BOLT MAIN 10 @ 5.00 ref=PO-17
        2024-03-02 receive BOLT MAIN 10 @ 5.00 ref=PO-17   !! a receipt with ref 'PO-17' was posted already
        2024-03-02 issue   BOLT MAIN 1 ref=PO-17           => -5.0000
        2024-03-03 issue   BOLT MAIN 1 ref=PO-17           !! an issue with ref 'PO-17' was posted already
    """)
    with pytest.raises(DuplicateReference) as refused, site.session() as session:
        stock.receive(session, "BOLT", "MAIN", 1, "1", ref="PO-17")
    assert refused.value.code == "duplicate_ref" and refused.value.field == "ref"


# --------------------------------------------------------------------------- reservations


def test_reservations_hold_stock_for_their_holder(site, book):
    book.run("""
        2024-03-01 receive BOLT MAIN 10 @ 5.00
        2024-03-02 reserve BOLT MAIN 6 for=SO-1
        balance BOLT MAIN: 10 worth 50.0000 reserved 6
        2024-03-02 reserve BOLT MAIN 5 for=SO-2     !! requested 5 pc, available 4 pc (10 on hand, 6 reserved)
        2024-03-03 issue   BOLT MAIN 5              !! requested 5 pc, available 4 pc (10 on hand, 6 reserved for others)
        2024-03-03 transfer BOLT MAIN>SIDE 5        !! available 4 pc
        # The holder's own issue may use its reservation, which shrinks by as much.
        2024-03-03 issue   BOLT MAIN 8 for=SO-1     => -40.0000
        balance BOLT MAIN: 2 worth 10.0000 reserved 0
        2024-03-04 reserve BOLT MAIN 2 for=SO-2
        2024-03-04 release BOLT MAIN 3 for=SO-2     !! 'SO-2' holds 2 pc of 'BOLT' in warehouse 'MAIN': cannot release 3 pc
        2024-03-04 release BOLT MAIN 1 for=SO-2
        balance BOLT MAIN: 2 worth 10.0000 reserved 1
        verify
    """)
    with site.session() as session:
        assert stock.reservations(session, "BOLT", "MAIN") == {"SO-2": Decimal(1)}
        stock.release(session, "BOLT", "MAIN", holder="SO-2")   # all that is left
        assert stock.reservations(session, "BOLT", "MAIN") == {}
        assert stock.balance(session, "BOLT", "MAIN").available == 2


def test_cancelling_an_issue_gives_the_holder_its_reservation_back(site, book):
    book.run("""
        2024-03-01 receive BOLT MAIN 10 @ 5.00
        res: 2024-03-02 reserve BOLT MAIN 6 for=SO-1
        i1: 2024-03-03 issue BOLT MAIN 4 for=SO-1
        balance BOLT MAIN: 6 worth 30.0000 reserved 2
        cancel i1
        balance BOLT MAIN: 10 worth 50.0000 reserved 6
        cancel res
        balance BOLT MAIN: 10 worth 50.0000 reserved 0
        verify
    """)


def test_cancel_refused_when_the_stock_is_reserved(book):
    book.run("""
        r1: 2024-03-01 receive BOLT MAIN 10 @ 5.00
        2024-03-02 receive BOLT MAIN 2 @ 5.00
        2024-03-03 reserve BOLT MAIN 5 for=SO-1
        cancel r1    !! cancelling document 1 would leave 2 pc of 'BOLT' in warehouse 'MAIN', but 5 pc are reserved
    """)


def test_reservations_protect_average_items_too(book):
    # An average item may go negative, but not into what others reserved.
    book.run("""
        2024-03-01 receive OIL MAIN 10 @ 4.00
        2024-03-02 reserve OIL MAIN 6 for=SO-1
        2024-03-03 issue    OIL MAIN 5              !! requested 5 pc, available 4 pc (10 on hand, 6 reserved for others)
        2024-03-03 write_off OIL MAIN 5             !! available 4 pc
        2024-03-03 transfer OIL MAIN>SIDE 5         !! available 4 pc
        2024-03-03 issue    OIL MAIN 4              => -16.0000
        # The holder may use its reservation, and go negative beyond it.
        2024-03-04 issue    OIL MAIN 9 for=SO-1     => -36.0000
        balance OIL MAIN: -3 worth -12.0000 reserved 0
        # With nothing reserved for others, negative stock stays allowed.
        2024-03-05 issue    OIL MAIN 2              => -8.0000
        balance OIL MAIN: -5 worth -20.0000 reserved 0
        verify
    """)


def test_cancel_refused_when_average_stock_is_reserved(book):
    # Like FIFO: a cancel may not take reserved average stock away...
    book.run("""
        r1: 2024-03-01 receive OIL MAIN 10 @ 4.00
        2024-03-02 receive OIL MAIN 2 @ 4.00
        2024-03-03 reserve OIL MAIN 5 for=SO-1
        cancel r1    !! cancelling document 1 would leave 2 pc of 'OIL' in warehouse 'MAIN', but 5 pc are reserved
        i1: 2024-03-04 issue OIL MAIN 7 for=SO-1
        balance OIL MAIN: 5 worth 20.0000 reserved 0
        # ...nor give a holder back a reservation the stock no longer covers.
        2024-03-05 issue OIL MAIN 10                => -40.0000
        cancel i1    !! would reserve 5 pc of 'OIL' in warehouse 'MAIN' again, but only 2 pc are available
        verify
    """)


# --------------------------------------------------------------------------- counts


def test_a_count_posts_the_difference(site, book):
    book.run("""
        2024-03-01 receive BOLT MAIN 10 @ 5.00
        2024-03-02 receive BOLT MAIN 10 @ 6.00
        2024-03-05 count   BOLT MAIN 17                  => -15.0000    # 3 lost, oldest first
        2024-03-06 count   BOLT MAIN 19 @ 6.50           => 13.0000     # 2 found, at 6.50
        # 7 x 5.00 + 10 x 6.00 + 2 x 6.50 = 108.00 for 19: the stock's unit cost is
        # 5.684211, the value of one more found.
        2024-03-07 count   BOLT MAIN 20                  => 5.6842
        2024-03-08 count   BOLT MAIN 20
        balance BOLT MAIN: 20 worth 113.6842
        2024-03-09 count   OIL MAIN 3                    !! no cost is known
        2024-03-09 count   OIL MAIN 3 @ 2.00             => 6.0000
        2024-03-10 count   OIL MAIN 4                    => 2.0000      # at the average
        verify
    """)
    with site.session() as session:
        document = stock.count(session, "BOLT", "MAIN", 18, date="2024-03-11")
    assert document.details["counted"] == [{"item": "BOLT", "warehouse": "MAIN", "counted": "18",
                                            "book": "20", "difference": "-2"}]


# --------------------------------------------------------------------------- input


def test_bad_input_is_refused_naming_the_field(site, book):
    cases = [
        (lambda s: stock.receive(s, "BOLT", "MAIN", "1.5", "1"), ValidationError, "qty",
         "'1.5' pc of item 'BOLT' is not possible: its unit allows whole numbers"),
        (lambda s: stock.receive(s, "PAINT", "MAIN", "1.0001", "1"), ValidationError, "qty",
         "its unit allows 3 decimal places"),
        (lambda s: stock.receive(s, "BOLT", "MAIN", 0, "1"), ValidationError, "qty",
         "must be more than zero"),
        (lambda s: stock.receive(s, "BOLT", "MAIN", -3, "1"), ValidationError, "qty",
         "must not be negative"),
        (lambda s: stock.receive(s, "BOLT", "MAIN", 1, "-1"), ValidationError, "unit_cost",
         "must not be negative"),
        (lambda s: stock.receive(s, "BOLT", "MAIN", 1, "0.0000001"), ValidationError,
         "unit_cost", "more than 6 decimal places"),
        (lambda s: stock.receive(s, "BOLT", "MAIN", 1, 1.5), ValidationError, "unit_cost",
         "floats are not accepted"),
        (lambda s: stock.receive(s, "BOLT", "MAIN", 1, None), ValidationError, "unit_cost",
         "needs a cost per unit"),
        (lambda s: stock.issue(s, "BOLT", "MAIN", "x"), ValidationError, "qty", "not a number"),
        (lambda s: stock.receive(s, "BOLT", "MAIN", 1, "1", date="2024-13-01"),
         ValidationError, "date", "'2024-13-01' is not a date"),
        (lambda s: stock.receive(s, "NOPE", "MAIN", 1, "1"), NotFound, "item",
         "item 'NOPE' does not exist"),
        (lambda s: stock.receive(s, "BOLT", "NOWHERE", 1, "1"), NotFound, "warehouse",
         "warehouse 'NOWHERE' does not exist"),
        (lambda s: stock.transfer(s, "BOLT", "MAIN", "MAIN", 1), ValidationError, "to",
         "needs two different warehouses"),
        (lambda s: stock.reserve(s, "BOLT", "MAIN", 1, holder=""), ValidationError, "holder",
         "needs the holder"),
        (lambda s: stock.post(s, "shipment", [{"item": "BOLT", "warehouse": "MAIN", "qty": 1}]),
         ValidationError, "kind", "'shipment' is not one of"),
    ]
    for action, error, field, message in cases:
        with pytest.raises(error) as refused, site.session() as session:
            action(session)
        assert message in refused.value.message, refused.value.message
        assert refused.value.field == field, (message, refused.value.field)
    with site.session() as session:
        assert session.scalars(select(StockDocument)).all() == []


def test_numbers_written_alike_are_still_checked_for_each_item_and_warehouse(site, book):
    """A batch checks a quantity and cost written alike once per kind of document and
    unit precision: a later line with an item of another precision, or into an inactive
    warehouse, is still refused."""
    from ordercraft.core.models import Warehouse

    line = stock.LineSpec
    receipts = [stock.DocumentSpec("receipt", [line("PAINT", "MAIN", "1.5", "2.00")]),
                stock.DocumentSpec("receipt", [line("BOLT", "MAIN", "1.5", "2.00")])]
    with pytest.raises(ValidationError, match="'BOLT' is not possible"), \
            site.session() as session:
        stock.post_many(session, receipts)
    with site.session() as session:
        session.scalars(select(Warehouse).where(Warehouse.code == "SIDE")).one().active = False
    receipts = [stock.DocumentSpec("receipt", [line("BOLT", "MAIN", "2", "2.00")]),
                stock.DocumentSpec("receipt", [line("BOLT", "SIDE", "2", "2.00")])]
    with pytest.raises(ValidationError, match="'SIDE' is inactive"), site.session() as session:
        stock.post_many(session, receipts)
    with site.session() as session:
        assert session.scalars(select(StockDocument)).all() == []


def test_services_have_no_stock(site, book):
    from ordercraft.core.models import Item

    with site.session() as session:
        session.add(Item(sku="SETUP", name="Set-up", kind="service"))
    with pytest.raises(ValidationError, match="'SETUP' is a service"), site.session() as session:
        stock.receive(session, "SETUP", "MAIN", 1, "1")


def test_errors_name_item_warehouse_and_quantities(site, book):
    book.run("2024-03-01 receive BOLT MAIN 3 @ 1.00")
    with pytest.raises(Conflict) as refused, site.session() as session:
        stock.issue(session, "BOLT", "MAIN", 5)
    assert refused.value.code == "insufficient_stock"
    assert refused.value.details == {"item": "BOLT", "warehouse": "MAIN", "requested": "5",
                                     "available": "3", "on_hand": "3",
                                     "reserved_for_others": "0"}
    assert refused.value.message == ("not enough 'BOLT' in warehouse 'MAIN' to issue: "
                                     "requested 5 pc, available 3 pc")


# --------------------------------------------------------------------------- permissions, hook


def test_posting_needs_the_stock_post_permission(site, book):
    from ordercraft.core.services.users import create_user

    with site.session() as session:
        create_user(session, "eve", roles=["economist"], password="economist-pw")
        create_user(session, "kim", roles=["storekeeper"], password="storekeeper-pw")
    with pytest.raises(PermissionDenied, match="stock.post"), \
            site.session(user=site.user("eve")) as session:
        stock.receive(session, "BOLT", "MAIN", 1, "1")
    with site.session(user=site.user("eve")) as session:
        assert stock.balance(session, "BOLT", "MAIN").qty == 0   # reading is allowed
    with site.session(user=site.user("kim")) as session:
        posted = stock.receive(session, "BOLT", "MAIN", 1, "1")
    with site.session() as session:
        assert session.get(StockDocument, posted.id).user_name == "kim"


def test_stock_posting_calls_document_posted(make_site):
    seen: list[tuple[str, str | None]] = []
    plugin = types.ModuleType("stock_watcher")

    @hookimpl
    def document_posted(session, document):
        if isinstance(document, StockDocument):
            if document.ref == "REFUSE":
                raise Conflict("the watcher refuses this delivery")
            seen.append((document.kind, document.ref))

    plugin.document_posted = document_posted
    site = make_site(plugins=[], extra_plugins=[plugin])
    Book(site).items(BOLT="fifo").warehouses("MAIN")
    with site.session() as session:
        first = stock.receive(session, "BOLT", "MAIN", 5, "2", ref="PO-1")
    with site.session() as session:
        stock.cancel(session, first.id)
    assert seen == [("receipt", "PO-1"), ("reversal", None)]
    with pytest.raises(Conflict, match="refuses"), site.session() as session:
        stock.receive(session, "BOLT", "MAIN", 5, "2", ref="REFUSE")
    with site.session() as session:
        assert stock.balance(session, "BOLT", "MAIN").qty == 0
        assert session.scalar(select(StockDocument).where(StockDocument.ref == "REFUSE")) is None


def test_posting_without_a_platform_session(site, book):
    # A session made outside Platform.session (a script's own sessionmaker) posts too;
    # there are simply no plugins to tell.
    from sqlalchemy.orm import Session

    with Session(site.platform.engine) as session, session.begin():
        posted = stock.receive(session, "BOLT", "MAIN", 2, "1.25")
    assert posted.moves[0].value == Decimal("2.5")


@pytest.mark.skipif(not os.environ.get("ORDERCRAFT_TEST_DATABASE_URL", "").startswith("postgres"),
                    reason="prepared statements are PostgreSQL's")
def test_postings_recover_when_a_column_changes_under_the_prepared_statements(site, book):
    """A posting prepares its statements once per connection; if a migration changes a
    column they read, at most one posting on that connection fails and the next works."""
    from sqlalchemy import text

    with site.session() as session:                          # prepares them
        stock.receive(session, "BOLT", "MAIN", 5, "2")
    with site.session() as session:
        session.execute(text("ALTER TABLE items ALTER COLUMN unit TYPE varchar(40)"))
    outcomes = []
    for _attempt in range(2):
        try:
            with site.session() as session:
                stock.issue(session, "BOLT", "MAIN", 1)
            outcomes.append("posted")
        except Exception:                                       # noqa: BLE001
            outcomes.append("failed")
    assert outcomes[-1] == "posted"
    with site.session() as session:
        assert stock.balance(session, "BOLT", "MAIN").qty == 5 - outcomes.count("posted")


def test_a_refused_posting_leaves_the_next_one_on_the_connection_working(site, book):
    for _round in range(3):
        with pytest.raises(Conflict), site.session() as session:
            stock.issue(session, "BOLT", "MAIN", 1)              # nothing there: refused
        with site.session() as session:
            stock.receive(session, "BOLT", "MAIN", 1, "1", ref=f"R{_round}")
        with pytest.raises(Conflict), site.session() as session:  # the database refuses it
            stock.receive(session, "BOLT", "MAIN", 1, "1", ref=f"R{_round}")
        with site.session() as session:
            stock.issue(session, "BOLT", "MAIN", 1)
    with site.session() as session:
        assert stock.balance(session, "BOLT", "MAIN").qty == 0
        assert stock.verify(session).ok
