"""The container's health probe: exit 0 when this container's web server answers ``/healthz``
(or the path given), 1 otherwise. No curl in the image: the standard library suffices.

It asks with a Host the settings allow (the first of ALLOWED_HOSTS), as Django refuses any
other with 400.
"""

import os
import sys
import urllib.request

path = sys.argv[1] if len(sys.argv) > 1 else "/healthz"
host = os.environ.get("ALLOWED_HOSTS", "").split(",")[0].strip().lstrip("*") or "localhost"
port = os.environ.get("HEALTHCHECK_PORT", "8000")  # gunicorn.conf.py binds 0.0.0.0:8000
request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
try:
    with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310 (fixed URL)
        sys.exit(0 if response.status == 200 else 1)
except OSError as error:  # refused, timed out, or an HTTP error status
    print(f"{path}: {error}", file=sys.stderr)
    sys.exit(1)
