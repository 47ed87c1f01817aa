"""Local storages that fail the way a disk does, for the storage fault tests.

Each is Django's ``FileSystemStorage`` writing real files under ``location``, with one fault
injected at the storage layer (the tests may run as root, for whom a read-only directory is
still writable, and this machine has no tiny tmpfs to fill up):

- ``DiskFullStorage``: a write gets ``fill_after`` bytes onto the disk, then ENOSPC (Django's
  storage writes in place: without cleanup the partial file stays under its final name);
- ``ReadOnlyStorage``: every write or delete fails with EROFS (the media folder mounted
  read-only);
- ``UndeletableStorage``: writes work, deletes fail with EACCES (the replaced file cannot be
  removed);
- ``UnreadableStorage``: opening any file fails with EIO (the disk or mount went away).
"""

import errno
import os

from django.core.files.storage import FileSystemStorage


class _FillsUp:
    """``content`` whose chunks stop with ENOSPC once ``limit`` bytes went through."""

    def __init__(self, content, limit):
        self._content = content
        self._limit = limit

    def chunks(self, chunk_size=None):
        written = 0
        for chunk in self._content.chunks(chunk_size=4096):
            if written + len(chunk) > self._limit:
                yield chunk[: self._limit - written]
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            written += len(chunk)
            yield chunk


class DiskFullStorage(FileSystemStorage):
    def __init__(self, *args, fill_after=24 * 1024, **kwargs):
        super().__init__(*args, **kwargs)
        self.fill_after = fill_after

    def _save(self, name, content):
        return super()._save(name, _FillsUp(content, self.fill_after))


def _read_only(*args, **kwargs):
    raise OSError(errno.EROFS, os.strerror(errno.EROFS))


class ReadOnlyStorage(FileSystemStorage):
    _save = _read_only
    delete = _read_only


class UndeletableStorage(FileSystemStorage):
    def delete(self, name):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), self.path(name))


class UnreadableStorage(FileSystemStorage):
    def _open(self, name, mode="rb"):
        raise OSError(errno.EIO, os.strerror(errno.EIO), self.path(name))


def use(settings, backend: type, **options) -> None:
    """Make ``backend`` the default storage, over the test's MEDIA_ROOT."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": f"{backend.__module__}.{backend.__qualname__}",
            "OPTIONS": {"location": settings.MEDIA_ROOT, **options},
        },
    }


def stored_files(root) -> list[str]:
    """Every file under ``root``, relative to it (sorted)."""
    found = []
    for directory, _dirs, files in os.walk(root):
        found += [os.path.relpath(os.path.join(directory, f), root) for f in files]
    return sorted(found)
