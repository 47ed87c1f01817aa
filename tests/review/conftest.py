from tests.applications.conftest import (  # noqa: F401 - shared fixtures
    campaign,
    candidate,
    document_types,
    program,
    questions,
)
