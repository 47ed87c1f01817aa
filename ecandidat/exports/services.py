"""The audit trail of exports and downloads made in the request (the worker's are recorded
when their job starts)."""

from ecandidat.audit import codes
from ecandidat.audit.services import record


def record_export(*, user, fmt: str, columns: list[str]) -> None:
    """An export of the application list made in the request (the worker's are recorded
    when the job is started)."""
    record(codes.REVIEW_EXPORT, actor=user, data={"format": fmt, "columns": columns})


def record_download(*, user, kind: str, application_ids: list[int]):
    record(
        codes.REVIEW_DOWNLOAD,
        actor=user,
        data={"kind": kind, "applications": application_ids},
    )
