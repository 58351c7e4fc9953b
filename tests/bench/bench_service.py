"""Knowledge-base search (issue 17: over 10,000 articles under 50 ms).

Run: python tests/bench/bench_service.py [ARTICLES] [--db URL]

The site is a new SQLite file (or the PostgreSQL database given with --db, in a fresh
schema dropped afterwards) with ARTICLES (10,000) articles of about 120 words each, drawn
from a vocabulary of 2,000 words, the same every run. Each query is run through
``search_articles`` (the full-text index: FTS5 on SQLite, tsvector + GIN on PostgreSQL,
then the matching articles loaded), 20 times per query kind; the figures are the median
and 95th percentile of the wall time:

* one word: a word of the vocabulary's common half;
* two words: two words, each matching as a prefix, both required;
* a prefix: three letters, as a user typing;
* through the API: ``GET /api/v1/articles?q=...`` through the Flask app (two words).
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import insert

from ordercraft.core.platform import Platform
from ordercraft.core.schema import create_all_and_stamp
from ordercraft.core.services.users import create_user, ensure_roles

PASSWORD = "bench-password"
TARGET_MS = 50
RUNS = 20


def vocabulary(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words: set[str] = set()
    while len(words) < 2000:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(4, 10))))
    return sorted(words)


def build(platform: Platform, count: int, rng: random.Random, words: list[str]) -> None:
    from ordercraft.plugins.service.models import Article

    with platform.session() as session:
        ensure_roles(session)
        create_user(session, "admin", roles=["admin"], password=PASSWORD)
    rows = []
    for number in range(count):
        # Zipf-like: the first words are common, the last ones rare.
        body = " ".join(words[min(int(rng.paretovariate(1.2)) - 1, len(words) - 1)]
                        if rng.random() < 0.5 else rng.choice(words) for _ in range(120))
        rows.append({"title": " ".join(rng.choice(words) for _ in range(6)) + f" {number}",
                     "category": f"cat{number % 12}",
                     "tags": " ".join(rng.choice(words) for _ in range(3)), "body": body})
    with platform.engine.begin() as connection:
        for start in range(0, len(rows), 1000):
            connection.execute(insert(Article), rows[start:start + 1000])


def timed(action: Callable[[], object]) -> tuple[float, float]:
    action()  # warm the caches once
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    arguments = sys.argv[1:]
    url = arguments[arguments.index("--db") + 1] if "--db" in arguments else ""
    numbers = [a for a in arguments if a.isdigit()]
    count = int(numbers[0]) if numbers else 10_000
    rng = random.Random(20261207)
    words = vocabulary(rng)
    with tempfile.TemporaryDirectory() as folder:
        from ordercraft.plugins.service.complaints import search_articles
        from ordercraft.sdk.testing import test_database_url

        url, drop = test_database_url(Path(folder), url)
        platform = Platform(url, only=["crm", "sales", "service"])
        create_all_and_stamp(platform)
        started = time.perf_counter()
        build(platform, count, rng, words)
        print(f"database: {platform.engine.dialect.name}; {count} articles built in "
              f"{time.perf_counter() - started:.1f} s")
        queries = {"one word": lambda: rng.choice(words[:1000]),
                   "two words": lambda: f"{rng.choice(words[:50])} {rng.choice(words[:200])}",
                   "a prefix": lambda: rng.choice(words)[:3]}

        def search(kind: str) -> Callable[[], object]:
            def run() -> object:
                with platform.session() as session:
                    return search_articles(session, queries[kind]())
            return run

        from ordercraft.web import create_app

        client = create_app(platform, testing=True).test_client()
        assert client.post("/login", data={"name": "admin", "password": PASSWORD}
                           ).status_code in (302, 303)

        def api() -> None:
            response = client.get("/api/v1/articles", query_string={"q": queries["two words"]()})
            assert response.status_code == 200, response.status_code

        cases: list[tuple[str, Callable[[], object]]] = [
            *((kind, search(kind)) for kind in queries), ("through the API", api)]
        for name, action in cases:
            median, p95 = timed(action)
            verdict = "within" if median <= TARGET_MS else "OVER"
            print(f"{name:>16}: median {median:6.1f} ms, 95th percentile {p95:6.1f} ms: "
                  f"{verdict} the target of {TARGET_MS} ms")
        platform.dispose()
        drop()


if __name__ == "__main__":
    main()
