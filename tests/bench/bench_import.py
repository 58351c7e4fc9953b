"""Spreadsheet import speed: 10,000 items and 10,000 parties into a new SQLite site.

Run: python tests/bench/bench_import.py [ROWS]

Each import is timed whole: reading the file, checking every row, the bulk inserts
with their audit entries, and the commit. The last line is the import pages' way: the
preview (read, map, check every row) and the background job that saves batches of
200 rows, each in its own transaction with its progress. Wall time depends on what else the machine
runs; the CPU time of this process much less. Reading XLSX with openpyxl costs about
0.2 ms of CPU per row of seven cells, more than checking and inserting the row.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

from ordercraft.core.importing import import_items, import_parties
from ordercraft.core.platform import Platform
from ordercraft.core.schema import create_all_and_stamp
from ordercraft.core.services.users import create_user, ensure_roles

KINDS = ("good", "component", "assembly", "service")


def item_rows(count: int, prefix: str) -> list[list[str]]:
    return [[f"{prefix}-{n:06d}", f"Item number {n}", KINDS[n % 4], "kg" if n % 5 == 0 else "pc",
             "3" if n % 5 == 0 else "0", "average" if n % 3 == 0 else "fifo",
             f"{n % 997}.{n % 100:02d}"] for n in range(count)]


ITEM_HEADER = ["sku", "name", "kind", "unit", "unit_precision", "valuation", "price"]
PARTY_HEADER = ["name", "kind", "tags", "source", "tax_id", "phone", "email", "manager"]


def party_rows(count: int) -> list[list[str]]:
    return [[f"Client {n}", ("client", "supplier", "both")[n % 3], "school,edu" if n % 2 else "",
             "website", f"77{n:08d}", f"+7 900 {n:07d}", f"c{n}@example.com",
             "admin" if n % 4 == 0 else ""] for n in range(count)]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def timed(platform: Platform, importer, path: Path) -> tuple[int, float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    with platform.session() as session:
        count = importer(session, path).count
    return count, time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        platform = Platform(f"sqlite:///{root / 'bench.db'}", only=[])
        create_all_and_stamp(platform)
        with platform.session() as session:
            ensure_roles(session)
            create_user(session, "admin", roles=["admin"])
        runs = [
            ("items, CSV", import_items,
             write_csv(root / "items.csv", ITEM_HEADER, item_rows(rows, "CSV"))),
            ("items, XLSX", import_items,
             write_xlsx(root / "items.xlsx", ITEM_HEADER, item_rows(rows, "XLSX"))),
            ("parties, CSV", import_parties,
             write_csv(root / "parties.csv", PARTY_HEADER, party_rows(rows))),
        ]
        print(f"import into SQLite, {rows:,} rows per file (read, check, insert, audit, commit)")
        for label, importer, path in runs:
            count, seconds, cpu = timed(platform, importer, path)
            assert count == rows, (label, count)
            print(f"  {label:<13} {seconds:6.2f} s  {count / seconds:>7,.0f} rows/s   "
                  f"(CPU {cpu:5.2f} s, {count / cpu:>7,.0f} rows/s)")
        path = write_csv(root / "job.csv", ITEM_HEADER, item_rows(rows, "JOB"))
        started, cpu = time.perf_counter(), time.process_time()
        count, preview_seconds = job_import(platform, path)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert count == rows, ("job", count)
        print(f"  {'items, job':<13} {seconds:6.2f} s  {count / seconds:>7,.0f} rows/s   "
              f"(CPU {cpu:5.2f} s; the preview {preview_seconds:.2f} s of it)")
        platform.dispose()


def job_import(platform: Platform, path: Path) -> tuple[int, float]:
    """The import pages' way: preview, then the background job (run here in-line)."""
    from ordercraft.core import import_jobs
    from ordercraft.core.models import ImportJob, User

    started = time.perf_counter()
    with platform.session() as session:
        session.info["user"] = session.query(User).filter_by(name="admin").one()
        checked = import_jobs.preview(session, "item", path)
        job_id = import_jobs.start_job(session, checked, path.name).id
    preview_seconds = time.perf_counter() - started
    import_jobs.run_job(platform, job_id)
    with platform.session() as session:
        job = session.get(ImportJob, job_id)
        assert job.state == "done", job.error
        return job.done, preview_seconds


if __name__ == "__main__":
    main()
