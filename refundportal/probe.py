"""``python -m refundportal.probe``: the image's health check, without curl.

Exits 0 when ``/healthz`` answers 200 (the database answers; a dead cache or
broker is ``degraded`` but still 200), 1 otherwise, printing why. It asks
``http://127.0.0.1:$PORT/healthz`` (``PORT`` defaults to 8000, ``PROBE_URL``
replaces the whole address) with the first host of ``DJANGO_ALLOWED_HOSTS``
as its ``Host``, so that a portal allowing only its public name answers it.
"""

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 3.0


def probe_url() -> str:
    return (
        os.environ.get("PROBE_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz"
    )


def host_header() -> str | None:
    for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(","):
        host = host.strip()
        if host and host != "*":
            # ".example.com" allows the domain and every subdomain.
            return host.lstrip(".")
    return None


def probe(url: str, host: str | None = None, timeout: float = TIMEOUT_SECONDS) -> tuple[bool, str]:
    headers = {"Host": host} if host else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http only, our own)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = response.status
            body = response.read(200).decode(errors="replace")
    except urllib.error.HTTPError as error:
        return False, f"{url} answered {error.code}"
    except (urllib.error.URLError, OSError) as error:
        return False, f"{url} did not answer: {error}"
    return status == 200, f"{url} answered {status} {body}"


def main() -> int:
    healthy, line = probe(probe_url(), host_header())
    print(line)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
