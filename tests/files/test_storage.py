"""files.storage: writes that leave nothing behind, deletes that never raise, reads that tell
a missing file from a failing storage, and the orphan sweep."""

import logging
import os
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils import timezone

from ecandidat.files import storage as stored_files
from tests.faults.storages import (
    DiskFullStorage,
    ReadOnlyStorage,
    UndeletableStorage,
    UnreadableStorage,
)
from tests.faults.storages import (
    stored_files as files_under,
)

BIG = os.urandom(100_000)


def test_the_disk_full_fault_is_real_without_cleanup(tmp_path):
    """What Django's storage does alone: the partial file stays under its final name."""
    storage = DiskFullStorage(location=tmp_path, fill_after=24 * 1024)
    with pytest.raises(OSError, match="No space"):
        storage.save("documents/ab/key", ContentFile(BIG))
    assert files_under(tmp_path) == ["documents/ab/key"]
    assert (tmp_path / "documents/ab/key").stat().st_size == 24 * 1024


def test_save_leaves_no_partial_file_when_the_disk_fills_up(tmp_path, caplog):
    storage = DiskFullStorage(location=tmp_path, fill_after=24 * 1024)
    with pytest.raises(stored_files.StorageUnavailable) as refused:
        stored_files.save(storage, "documents/ab/key", BIG)
    assert files_under(tmp_path) == []
    assert "try again" in refused.value.message
    assert "could not store documents/ab/key" in caplog.text


def test_save_on_a_read_only_storage_is_unavailable(tmp_path):
    with pytest.raises(stored_files.StorageUnavailable):
        stored_files.save(ReadOnlyStorage(location=tmp_path), "documents/ab/key", b"data")
    assert files_under(tmp_path) == []


def test_save_never_deletes_a_file_that_was_there(tmp_path):
    """A name taken already: the write goes elsewhere, and its cleanup too."""
    FileSystemStorage(location=tmp_path).save("documents/key", ContentFile(b"kept"))
    storage = DiskFullStorage(location=tmp_path, fill_after=10)
    with pytest.raises(stored_files.StorageUnavailable):
        stored_files.save(storage, "documents/key", BIG)
    assert files_under(tmp_path) == ["documents/key"]
    assert (tmp_path / "documents/key").read_bytes() == b"kept"


def test_save_returns_the_name_and_read_gives_the_content(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    name = stored_files.save(storage, "documents/ab/key", b"content")
    assert name == "documents/ab/key"
    assert stored_files.read(storage, name) == b"content"


def test_delete_quietly_logs_instead_of_raising(tmp_path, caplog):
    storage = UndeletableStorage(location=tmp_path)
    name = storage.save("documents/key", ContentFile(b"x"))
    with caplog.at_level(logging.WARNING, logger="ecandidat.files.storage"):
        assert stored_files.delete_quietly(storage, name) is False
    assert "orphan sweep" in caplog.text
    assert files_under(tmp_path) == ["documents/key"]
    assert stored_files.delete_quietly(FileSystemStorage(location=tmp_path), name) is True
    assert files_under(tmp_path) == []


def test_a_missing_file_and_an_unreadable_storage_are_told_apart(tmp_path):
    with pytest.raises(stored_files.FileMissing) as missing:
        stored_files.read(FileSystemStorage(location=tmp_path), "documents/gone")
    assert missing.value.name == "documents/gone"
    FileSystemStorage(location=tmp_path).save("documents/there", ContentFile(b"x"))
    with pytest.raises(stored_files.StorageUnavailable):
        stored_files.read(UnreadableStorage(location=tmp_path), "documents/there")
    with pytest.raises(stored_files.FileMissing):
        stored_files.open_file(FileSystemStorage(location=tmp_path), "")


def _age(path, hours):
    stamp = (timezone.now() - timedelta(hours=hours)).timestamp()
    os.utime(path, (stamp, stamp))


@pytest.mark.parametrize("dry_run", [False, True])
def test_the_sweep_deletes_old_orphans_only(tmp_path, dry_run):
    storage = FileSystemStorage(location=tmp_path)
    for name in (
        "documents/a1/used",
        "documents/a2/old-orphan",
        "documents/a2/new-orphan",
        "received/b1/used-raw",
        "exports/not-swept",
    ):
        storage.save(name, ContentFile(b"x"))
    for name in (
        "documents/a1/used",
        "documents/a2/old-orphan",
        "received/b1/used-raw",
        "exports/not-swept",
    ):
        _age(tmp_path / name, hours=48)
    asked = []

    def referenced():
        asked.append(True)
        return {"documents/a1/used", "received/b1/used-raw"}

    counts = stored_files.sweep_orphans(
        storage,
        prefixes=("documents", "received", "templates"),  # templates/ was never written
        referenced=referenced,
        older_than=timezone.now() - timedelta(hours=24),
        dry_run=dry_run,
    )
    assert counts == {"seen": 4, "kept": 2, "recent": 1, "deleted": 1, "failed": 0}
    assert asked == [True]
    remaining = files_under(tmp_path)
    assert ("documents/a2/old-orphan" in remaining) is dry_run
    assert {
        "documents/a1/used",
        "documents/a2/new-orphan",
        "received/b1/used-raw",
        "exports/not-swept",
    } <= set(remaining)


def test_the_sweep_counts_what_it_could_not_delete(tmp_path):
    storage = UndeletableStorage(location=tmp_path)
    storage.save("documents/orphan", ContentFile(b"x"))
    _age(tmp_path / "documents/orphan", hours=48)
    counts = stored_files.sweep_orphans(
        storage,
        prefixes=("documents",),
        referenced=set,
        older_than=timezone.now() - timedelta(hours=24),
    )
    assert counts["failed"] == 1 and counts["deleted"] == 0
    assert files_under(tmp_path) == ["documents/orphan"]
