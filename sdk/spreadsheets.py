"""Reading a spreadsheet a user gives (``ordercraft ... import FILE``): CSV (UTF-8, ``,``
or ``;`` between fields) or XLSX (the first sheet), first row = the column names::

    from ordercraft.sdk.spreadsheets import read_records

    columns, rows = read_records("boms.csv")
    for number, row in rows:          # number: the row as the spreadsheet shows it
        qty = validation.decimal(row.get("qty"), field=f"row {number}, qty", places=6)

Blank rows are skipped; cells come as text (an XLSX number as it would be typed, a date
as ``YYYY-MM-DD``). A missing file, a file that is not UTF-8 or not a workbook, or an
empty one is a ``ValidationError`` naming the file (``field="file"``).
"""

from ordercraft.core.importing import read_records

__all__ = ["read_records"]
