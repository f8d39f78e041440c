"""Container health checks (exit 0 = healthy).

    python docker/healthcheck.py [URL]   web: GET /healthz (default http://127.0.0.1:8000/healthz)
    python docker/healthcheck.py broker  beat: the broker in CELERY_BROKER_URL answers

The web check sends a Host from ALLOWED_HOSTS and ``X-Forwarded-Proto: https``, as the TLS
proxy would, so neither the host check nor the HTTPS redirect of production gets in the way.
"""

import os
import sys
import urllib.request


def web(url: str) -> None:
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = next((h.lstrip(".") for h in hosts if h != "*"), "localhost")
    request = urllib.request.Request(url, headers={"Host": host, "X-Forwarded-Proto": "https"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - our own URL
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")


def broker() -> None:
    from kombu import Connection

    with Connection(os.environ["CELERY_BROKER_URL"], connect_timeout=5) as conn:
        conn.ensure_connection(max_retries=1)


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/healthz"
    try:
        if target == "broker":
            broker()
        else:
            web(target)
    except Exception as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        sys.exit(1)
