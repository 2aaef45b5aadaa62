"""A container health check without curl: `python -m ops.probe /readyz`.

Asks the local gunicorn as the proxy would (a permitted Host, X-Forwarded-Proto: https), so
that ALLOWED_HOSTS and the HTTPS redirect apply as in real traffic. Exits 0 on 200.
It does not load Django: it runs every few seconds.
"""

from __future__ import annotations

import http.client
import os
import sys


def probe_host() -> str:
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(","):
        host = host.strip().lstrip(".")
        if host and "*" not in host:
            return host
    return "localhost"


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else "/readyz"
    port = int(os.environ.get("PROBE_PORT", "8000"))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(
            "GET", path, headers={"Host": probe_host(), "X-Forwarded-Proto": "https"}
        )
        status = connection.getresponse().status
    except OSError as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    print(f"{path}: {status}")
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
