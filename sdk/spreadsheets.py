"""Reading a spreadsheet a user gives (``ordercraft ... import FILE``): CSV (UTF-8, ``,``
or ``;`` between fields) or XLSX (the first sheet), first row = the column names::

    from ordercraft.sdk.spreadsheets import read_records

    columns, rows = read_records("boms.csv")
    for number, row in rows:          # number: the row as the spreadsheet shows it
        qty = validation.decimal(row.get("qty"), field=f"row {number}, qty", places=6)

Blank rows are skipped; cells come as text (an XLSX number as it would be typed, a date
as ``YYYY-MM-DD``). A missing file, a file that is not UTF-8 or not a workbook, or an
empty one is a ``ValidationError`` naming the file (``field="file"``).

Writing one (an export a user downloads) from rows of dicts::

    from ordercraft.sdk.spreadsheets import SPREADSHEET_TYPES, write_records

    data = write_records(["manager", "score"], rows, "xlsx")   # bytes; "csv" too
    mimetype = SPREADSHEET_TYPES["xlsx"]
"""

from ordercraft.core.importing import SPREADSHEET_TYPES, read_records, write_records

__all__ = ["SPREADSHEET_TYPES", "read_records", "write_records"]
