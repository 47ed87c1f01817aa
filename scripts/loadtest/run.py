"""`make loadtest`: the deadline and results-night mixes against a production-like stack.

Everything runs on 127.0.0.1 and stops by itself: a database of its own on the PostgreSQL
server (LOADTEST_DATABASE_URL), migrated and filled by ``generate_volume`` (kept between runs:
the same volume is not generated twice), a Redis server of its own on a free port (cache,
sessions, rate limits), gunicorn with DEBUG off on a free port and one task worker, then
locust, headless, for each mix in turn (a bounded number of users for a bounded time), in a
virtualenv of its own (var/loadtest-venv, from requirements.lock). Printed, and written to
var/loadtest/results.md: requests, failures, p50, p95 and requests per second per request
type. Nothing is asserted.

    python scripts/loadtest/run.py [--users 50] [--duration 60] [--mix deadline results]
"""

import argparse
import csv
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
VAR = ROOT / "var" / "loadtest"
VENV = ROOT / "var" / "loadtest-venv"
MIXES = {
    "deadline": ["DeadlineCandidate"],
    "results": ["OfferCandidate", "DecisionReader"],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log(message: str) -> None:
    print(f"[loadtest] {message}", flush=True)


def ensure_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            log(f"creating the database {name}")
            connection.execute(f'CREATE DATABASE "{name}"')


def ensure_locust() -> Path:
    locust = VENV / "bin" / "locust"
    lock = HERE / "requirements.lock"
    stamp = VENV / ".synced"
    if locust.exists() and stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return locust
    log("installing locust into var/loadtest-venv")
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    if Path(uv).exists():
        command = [
            uv,
            "pip",
            "install",
            "-q",
            "--python",
            str(VENV / "bin" / "python"),
            "-r",
            str(lock),
        ]
    else:
        command = [str(VENV / "bin" / "python"), "-m", "pip", "install", "-q", "-r", str(lock)]
    subprocess.run(command, check=True)
    stamp.touch()
    return locust


def wait_for(url: str, process: subprocess.Popen, seconds: float = 180) -> None:
    # A worker's first request loads the URLs, templates and catalogues: seconds on a busy
    # machine, so one slow answer is waited for rather than asked again.
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{process.args[0]} stopped (exit {process.returncode})")
        try:
            # As the TLS proxy in front would ask (production redirects plain HTTP).
            request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
            with urllib.request.urlopen(request, timeout=60):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer in {seconds} s")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def summary(prefix: Path) -> list[dict]:
    with (prefix.parent / f"{prefix.name}_stats.csv").open() as handle:
        return list(csv.DictReader(handle))


def table(mix: str, rows: list[dict], args) -> list[str]:
    lines = [
        f"### {mix} mix: {args.users} users (spawn {args.spawn_rate}/s), {args.duration} s",
        "",
        "| request | requests | failures | p50 ms | p95 ms | max ms | req/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
        name = "**all**" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        lines.append(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | "
            f"{row['95%']} | {float(row['Max Response Time']):.0f} | "
            f"{float(row['Requests/s']):.1f} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--mix", nargs="+", choices=sorted(MIXES), default=["deadline", "results"])
    parser.add_argument("--users", type=int, default=int(os.environ.get("LOADTEST_USERS", "50")))
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument(
        "--duration", type=int, default=int(os.environ.get("LOADTEST_SECONDS", "60"))
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument(
        "--candidates", type=int, default=int(os.environ.get("LOADTEST_CANDIDATES", "30000"))
    )
    parser.add_argument(
        "--applications", type=int, default=int(os.environ.get("LOADTEST_APPLICATIONS", "100000"))
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "LOADTEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ecandidat_loadtest"
        ),
    )
    args = parser.parse_args()
    if args.users > 500 or args.duration > 1800:
        raise SystemExit("at most 500 users and 1,800 s: this is a bounded test")
    redis_server = shutil.which("redis-server")
    if not redis_server:
        raise SystemExit("redis-server is missing (Debian: apt-get install redis-server)")

    VAR.mkdir(parents=True, exist_ok=True)
    redis_port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ecandidat.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"https://127.0.0.1:{web_port}",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "VAR_DIR": str(VAR),
        "STATIC_ROOT": str(VAR / "static"),
        "TASKS_BACKEND": "database",
        "CLAMAV_URL": "",
        "LOG_LEVEL": "WARNING",
        # Every virtual user comes from 127.0.0.1 and signs in many times: the per-address and
        # per-account limits, the brakes on password guessing, would stop the test itself.
        "RATELIMIT_LOGIN_IP": "1000000/h",
        "RATELIMIT_LOGIN_ACCOUNT": "100000/h",
        "RATELIMIT_UPLOAD_ACCOUNT": "100000/h",
        "STAFF_2FA_REQUIRED": "true",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]

    def run(*command: str) -> None:
        subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True)

    redis = web = worker = None
    logs = (VAR / "servers.log").open("w")
    try:
        redis = subprocess.Popen(
            [
                redis_server,
                "--bind",
                "127.0.0.1",
                "--port",
                str(redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=logs,
            stderr=subprocess.STDOUT,
        )
        # The management commands forget cached rows in it: Redis first.
        ensure_database(args.database_url)
        locust = ensure_locust()
        log("migrating, loading the reference data and the volume (kept between runs)")
        run("migrate", "--noinput", "-v0")
        run("import_referentials")
        if not (VAR / "static" / "staticfiles.json").exists():
            run("collectstatic", "--noinput", "-v0")
        personas = VAR / "personas.json"
        run(
            "generate_volume",
            *("--candidates", str(args.candidates), "--applications", str(args.applications)),
            *("--personas", str(personas), "--allow-known-passwords"),
        )
        web = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")),
                *("-b", f"127.0.0.1:{web_port}", "-w", str(args.workers), "--timeout", "60"),
            ],
            cwd=ROOT,
            env=env,
            stdout=logs,
            stderr=subprocess.STDOUT,
        )
        worker = subprocess.Popen(
            [*manage, "db_worker", "--queue-name", "*", "--interval", "1"],
            cwd=ROOT,
            env=env,
            stdout=logs,
            stderr=subprocess.STDOUT,
        )
        host = f"http://127.0.0.1:{web_port}"
        wait_for(f"{host}/", web)
        # Each worker's first requests load templates and caches: not part of the figures.
        for _ in range(args.workers * 4):
            for path in ("/", "/programs/"):
                wait_for(f"{host}{path}", web)
        log(f"gunicorn ({args.workers} workers, DEBUG off) on {host}, Redis on {redis_port}")
        report = [
            f"Load test of {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}: gunicorn "
            f"{args.workers} sync workers (DEBUG off), PostgreSQL, Redis, one task worker, all on "
            f"127.0.0.1; {args.candidates:,} candidates, {args.applications:,} applications.",
            "",
        ]
        for mix in args.mix:
            prefix = VAR / mix
            log(f"{mix} mix: {args.users} users for {args.duration} s")
            subprocess.run(
                [
                    str(locust),
                    *("-f", str(HERE / "locustfile.py"), "--headless", "--only-summary"),
                    *("-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.duration}s"),
                    *("--host", host, "--csv", str(prefix), "--stop-timeout", "10"),
                    *MIXES[mix],
                ],
                cwd=HERE,
                env={**os.environ, "LOADTEST_PERSONAS": str(personas)},
                check=False,  # locust exits 1 when a request failed: the table says which
                timeout=args.duration + 120,
            )
            lines = table(mix, summary(prefix), args)
            # Other work on the machine shows here (it shares the cores with the servers).
            lines.append("")
            lines.append(
                "load average after the run (1, 5, 15 min): "
                + ", ".join(f"{n:.1f}" for n in os.getloadavg())
            )
            print("\n".join(lines), flush=True)
            report += [*lines, ""]
        (VAR / "results.md").write_text("\n".join(report))
        log(f"written to {VAR / 'results.md'} (server logs: {VAR / 'servers.log'})")
    finally:
        for process in (worker, web, redis):
            stop(process)
        logs.close()


if __name__ == "__main__":
    main()
