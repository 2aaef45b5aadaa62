"""The benchmark database named by a postgres:// URL.

python -m bench.createdb URL           create it if it does not exist
python -m bench.createdb --vacuum URL  VACUUM (ANALYZE) it, as autovacuum would have done
                                       to a live database: planner statistics, the
                                       visibility map, the GIN index's pending list merged
"""

import sys
import time
from urllib.parse import urlsplit

import psycopg
from psycopg import sql


def create(url: str) -> int:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    return 0


def vacuum(url: str) -> int:
    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
    print(f"vacuumed and analysed in {time.monotonic() - started:.1f} s")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--vacuum":
        return vacuum(argv[1])
    if len(argv) == 1:
        return create(argv[0])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
