"""Writing, reading and deleting stored files so that a storage fault is never a server error.

The storage is the local disk or S3-compatible object storage (``STORAGES["default"]``);
either can fail: a read-only or full disk, a bucket that refuses or cannot be reached, a file
lost or removed by hand. Every fault becomes one of two refusals, which the pages turn into a
message (never a 500):

- ``StorageUnavailable``: the storage failed (the action can be tried again later);
- ``FileMissing``: the storage answered, the file is not there.

Writes leave nothing behind when they fail: Django's local storage writes in place, so a disk
that fills up halfway keeps a partial file under the final name; ``save`` deletes it. A
process killed during a write can still leave one, which no row refers to: ``sweep_orphans``
(the periodic job ``sweep_orphan_files``) removes the files no row refers to once they are
older than a grace period, which is also where a deletion that failed (``delete_quietly``)
ends.
"""

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from django.core.files.base import ContentFile
from django.db.models import FileField
from django.utils.translation import gettext_lazy as _

from ecandidat.common.errors import DomainError

logger = logging.getLogger(__name__)


class StorageUnavailable(DomainError):
    """The storage could not write, read or list a file; trying again later may work."""

    default_message = _(
        "The document storage is not available right now. Nothing was changed: please try "
        "again in a few minutes."
    )


class FileMissing(DomainError):
    """The storage answered, but the file is not there (lost, or removed by hand)."""

    default_message = _("This file can no longer be found.")

    def __init__(self, name: str | None = "", message=None):
        super().__init__(message)
        self.name = name or ""


def save(storage, name: str, content: bytes) -> str:
    """Store ``content`` under ``name`` (a fresh, unique key) and return the name stored;
    ``StorageUnavailable`` when the storage fails, with nothing left under that name."""
    try:
        # Asked first so that a failed write is cleaned up under the very name it used (and
        # never under the name of a file that was there before).
        name = storage.get_available_name(name)
    except Exception as exc:
        logger.exception("could not store %s", name)
        raise StorageUnavailable() from exc
    try:
        return storage.save(name, ContentFile(content))
    except Exception as exc:
        logger.exception("could not store %s", name)
        delete_quietly(storage, name)
        raise StorageUnavailable() from exc


def store_new_files(instance) -> None:
    """Write the files just assigned to ``instance``'s file fields (a form's uploads) through
    ``save``, before the row is saved: a storage fault is then ``StorageUnavailable`` with
    nothing left behind, where the model's own save would raise whatever the storage raised,
    after writing part of the file. Should the row then not be saved, the file is an orphan
    the sweep removes."""
    for field in instance._meta.fields:
        if not isinstance(field, FileField):
            continue
        field_file = getattr(instance, field.attname)
        if not field_file or getattr(field_file, "_committed", True):
            continue
        field_file.open("rb")
        content = field_file.read()
        name = save(field_file.storage, field.generate_filename(instance, field_file.name), content)
        setattr(instance, field.attname, name)


def delete_quietly(storage, name: str | None) -> bool:
    """Delete ``name``; a failure is logged and left to the orphan sweep, never raised (a
    file that cannot be deleted must not fail the action that no longer needs it)."""
    if not name:
        return True
    try:
        storage.delete(name)
    except Exception:
        logger.warning("could not delete %s; the orphan sweep will remove it", name, exc_info=True)
        return False
    return True


def read(storage, name: str | None) -> bytes:
    """The content stored under ``name``; ``FileMissing`` or ``StorageUnavailable``."""
    with open_file(storage, name) as handle:
        try:
            return handle.read()
        except Exception as exc:
            logger.exception("could not read %s", name)
            raise StorageUnavailable() from exc


def open_file(storage, name: str | None):
    """``name`` opened for reading (the caller closes it, or hands it to a ``FileResponse``
    which does); ``FileMissing`` or ``StorageUnavailable``."""
    if not name:
        raise FileMissing("")
    try:
        return storage.open(name, "rb")
    except FileNotFoundError as exc:
        # Both the local and the S3 storage say so for a file that is not there.
        logger.warning("stored file missing: %s", name)
        raise FileMissing(name) from exc
    except Exception as exc:
        logger.exception("could not open %s", name)
        raise StorageUnavailable() from exc


def walk(storage, prefix: str) -> Iterator[str]:
    """Every file name under the directory ``prefix`` (no trailing slash), depth first."""
    try:
        directories, files = storage.listdir(prefix)
    except FileNotFoundError:
        return  # nothing was ever stored there
    for file_name in files:
        yield f"{prefix}/{file_name}"
    for directory in directories:
        yield from walk(storage, f"{prefix}/{directory}")


def sweep_orphans(
    storage,
    *,
    prefixes: Iterable[str],
    referenced: Callable[[], set[str]],
    older_than: datetime,
    dry_run: bool = False,
) -> dict[str, int]:
    """Delete the files under ``prefixes`` that no row refers to and that were last written
    before ``older_than``.

    The names are listed before ``referenced()`` is asked, so a file whose row commits in
    between counts as referenced; the grace period covers a file written by an upload whose
    transaction has not committed yet. Returns the counts of files ``seen``, ``kept``
    (referenced), ``recent`` (unreferenced, within the grace period), ``deleted`` and
    ``failed`` (could not be deleted: tried again next time)."""
    try:
        names = [name for prefix in prefixes for name in walk(storage, prefix)]
    except Exception as exc:
        logger.exception("could not list the stored files")
        raise StorageUnavailable() from exc
    keep = referenced()
    counts = {"seen": len(names), "kept": 0, "recent": 0, "deleted": 0, "failed": 0}
    for name in names:
        if name in keep:
            counts["kept"] += 1
            continue
        try:
            recent = storage.get_modified_time(name) >= older_than
        except FileNotFoundError:
            continue  # deleted since it was listed
        except Exception:
            logger.warning("could not read the time of %s", name, exc_info=True)
            counts["failed"] += 1
            continue
        if recent:
            counts["recent"] += 1
        elif dry_run:
            counts["deleted"] += 1
        elif delete_quietly(storage, name):
            logger.info("deleted orphan file %s", name)
            counts["deleted"] += 1
        else:
            counts["failed"] += 1
    return counts
