"""Issue 11, item 22: ``ordercraft serve --workers N`` serves one site from N processes
(gunicorn), each with its own connections, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path


def test_serve_with_several_processes(site):
    site.platform.dispose()
    ordercraft = str(Path(sys.executable).with_name("ordercraft"))
    env = dict(os.environ, ORDERCRAFT_DATABASE_URL=site.platform.database_url)
    server = subprocess.Popen([ordercraft, "serve", "--workers", "2", "--threads", "2",
                               "--port", "0", "--json"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        started = json.loads(server.stdout.readline())
        assert started["workers"] == 2 and started["scheduler"] is False
        base = started["url"].rstrip("/")
        token = site.token("admin")
        for _ in range(10):
            request = urllib.request.Request(f"{base}/api/v1/items",
                                             headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(request, timeout=60) as response:
                assert response.status == 200
                assert json.load(response)["total"] == 0
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
        if children.exists():
            assert len(children.read_text().split()) == 2  # the two web processes
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert server.returncode == 0, server.stderr.read()
