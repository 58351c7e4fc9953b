"""A separate process that posts stock documents, for the concurrency tests.

    python stock_worker.py URL GO_FILE JOB_JSON

connects, says so by creating ``GO_FILE.ready-PID``, waits until GO_FILE exists (so that
all workers start together), runs the job and prints one JSON line: ``{"ok": true, ...}``
or ``{"ok": false, "code": ..., "message": ...}``.

Jobs: ``{"issue": [sku, warehouse, qty], "hold": seconds}`` posts one issue and keeps
its transaction open ``hold`` seconds after the rows are written (a plugin's
``document_posted`` sleeps), so that the others really run into its locks;
``{"batches": [[document, ...], ...]}`` posts each batch with ``post_many``, a document
being ``{"kind", "lines": [{"item", "warehouse", "qty", "unit_cost", "to_warehouse"}]}``.
"""

from __future__ import annotations

import json
import os
import sys
import time
import types
from pathlib import Path


def main() -> None:
    url, go_file, job_text = sys.argv[1:4]
    job = json.loads(job_text)
    from ordercraft.core.errors import OrdercraftError
    from ordercraft.core.platform import Platform
    from ordercraft.core.stock.inputs import DocumentSpec, LineSpec
    from ordercraft.sdk import hookimpl, stock

    hold = float(job.get("hold", 0))
    plugin = types.ModuleType("slow_commit")

    @hookimpl
    def document_posted(session, document):
        time.sleep(hold)

    plugin.document_posted = document_posted
    platform = Platform(url, only=[], extra_plugins=[plugin] if hold else [])
    with platform.engine.connect():  # connect and load the models before the start signal
        pass
    Path(f"{go_file}.ready-{os.getpid()}").touch()
    deadline = time.monotonic() + 60
    while not os.path.exists(go_file):
        if time.monotonic() > deadline:
            raise SystemExit("no start signal")
        time.sleep(0.001)
    started = time.monotonic()
    try:
        if "issue" in job:
            sku, warehouse, qty = job["issue"]
            with platform.session() as session:
                stock.issue(session, sku, warehouse, qty)
            result = {"ok": True}
        else:
            posted = 0
            for batch in job["batches"]:
                specs = [DocumentSpec(d["kind"], [LineSpec(**line) for line in d["lines"]])
                         for d in batch]
                with platform.session() as session:
                    posted += len(stock.post_many(session, specs))
            result = {"ok": True, "documents": posted}
    except OrdercraftError as exc:
        result = {"ok": False, "code": exc.code, "message": exc.message}
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
        result = {"ok": False, "code": "fault", "message": f"{type(exc).__name__}: {exc}"}
    result["seconds"] = round(time.monotonic() - started, 3)
    print(json.dumps(result), flush=True)
    platform.dispose()


if __name__ == "__main__":
    main()
