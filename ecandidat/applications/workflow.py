"""What can happen to an application's file, as data: the one table a reviewer reads.

Each row says from which states an action starts, the state it leaves the file in, who
takes it, the timestamp it sets, the audit code it records and the email it sends. The
services (``applications.services.submit`` / ``cancel``, ``review.services.change_file_status``)
look their transition up here and refuse what the table does not list; the parametrised
tests in ``tests/applications/test_workflow.py`` are generated from it; ``docs/architecture.md``
shows it as a table and a Mermaid state diagram (``markdown()`` and ``mermaid()``; a test
keeps the page equal to the code).

Creating an application (``apply``, by the candidate or by staff on their behalf) is the
row with no source state.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from ecandidat.audit import codes
from ecandidat.common.errors import DomainError

from .enums import FileStatus


class By(models.TextChoices):
    CANDIDATE = "candidate", _("the candidate")
    STAFF = "staff", _("staff")
    # The scheduler or the worker on its own: publication at the scheduled time, an offer
    # expiring at its deadline, promotion from the complementary list.
    PLATFORM = "platform", _("the platform")


class FileAction(models.TextChoices):
    APPLY = "apply", _("Apply")
    SUBMIT = "submit", _("Transmit")
    RESUBMIT = "resubmit", _("Transmit again")
    CANCEL = "cancel", _("Cancel")
    MARK_COMPLETE = "mark_complete", _("Mark complete")
    MARK_INCOMPLETE = "mark_incomplete", _("Mark incomplete")


@dataclass(frozen=True)
class Transition:
    action: FileAction
    sources: tuple[FileStatus, ...]  # empty: the application is being created
    target: FileStatus
    by: By
    audit: str
    email: str = ""  # the candidate's email, if any
    stamp: str = ""  # the timestamp field set to "now", if any


TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        FileAction.APPLY,
        (),
        FileStatus.WAITING,
        By.CANDIDATE,
        codes.APPLICATION_CREATED,
        "application_created",
    ),
    Transition(
        FileAction.SUBMIT,
        (FileStatus.WAITING,),
        FileStatus.RECEIVED,
        By.CANDIDATE,
        codes.APPLICATION_SUBMITTED,
        "application_submitted",
        "submitted_at",
    ),
    Transition(
        FileAction.RESUBMIT,
        (FileStatus.INCOMPLETE,),
        FileStatus.RECEIVED,
        By.CANDIDATE,
        codes.APPLICATION_SUBMITTED,
        "application_submitted",
        "submitted_at",
    ),
    Transition(
        FileAction.CANCEL,
        (FileStatus.WAITING,),
        FileStatus.CANCELLED,
        By.CANDIDATE,
        codes.APPLICATION_CANCELLED,
        "application_cancelled",
        "cancelled_at",
    ),
    Transition(
        FileAction.MARK_COMPLETE,
        (FileStatus.RECEIVED,),
        FileStatus.COMPLETE,
        By.STAFF,
        codes.APPLICATION_FILE_STATUS,
    ),
    Transition(
        FileAction.MARK_INCOMPLETE,
        (FileStatus.RECEIVED, FileStatus.COMPLETE),
        FileStatus.INCOMPLETE,
        By.STAFF,
        codes.APPLICATION_FILE_STATUS,
        "application_incomplete",
    ),
)

BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}


class TransitionRefused(DomainError):
    """The table has no row for ``action`` from ``status``."""

    def __init__(self, action: str, status: str):
        self.action, self.status = action, status
        label = FileStatus(status).label if status in FileStatus.values else status
        super().__init__(
            _("This action is not possible while the file is “%(status)s”.") % {"status": label}
        )


def transition(action: str, status: str) -> Transition:
    """The row for ``action`` taken from ``status``; ``TransitionRefused`` when none."""
    found = BY_ACTION.get(action)
    if found is None or status not in found.sources:
        raise TransitionRefused(action, status)
    return found


def submission(status: str) -> Transition | None:
    """The candidate's transmit row from ``status`` (submit or resubmit), or None when the
    file is no longer theirs to transmit."""
    for action in (FileAction.SUBMIT, FileAction.RESUBMIT):
        if status in BY_ACTION[action].sources:
            return BY_ACTION[action]
    return None


def apply_transition(application, move: Transition, *, now=None, **fields) -> bool:
    """Move ``application`` along ``move`` with one conditional UPDATE (on the state it was
    read in, so a concurrent move makes this one change nothing), set the row's timestamp
    and ``fields``, and refresh it. False when another request moved it first."""
    values = {"file_status": move.target, **fields}
    if move.stamp:
        values[move.stamp] = now
    previous = application.file_status
    if previous not in move.sources:
        raise TransitionRefused(move.action, previous)
    rows = type(application).objects.filter(pk=application.pk, file_status=previous)
    updated = rows.update(**values)
    if updated != 1:
        return False
    application.refresh_from_db()
    return True


def actions_from(status: str, *, by: By | None = None) -> list[FileAction]:
    return [t.action for t in TRANSITIONS if status in t.sources and (by is None or t.by == by)]


def sources_of(*actions: FileAction) -> tuple[FileStatus, ...]:
    """The states any of ``actions`` starts from, in FileStatus order."""
    starts = {s for a in actions for s in BY_ACTION[a].sources}
    return tuple(s for s in FileStatus if s in starts)


# The candidate edits documents and answers while they may still transmit.
EDITABLE_BY_CANDIDATE = sources_of(FileAction.SUBMIT, FileAction.RESUBMIT)
STAFF_ACTIONS = tuple(t.action for t in TRANSITIONS if t.by == By.STAFF)


def _state(value: str, names: dict[str, str]) -> str:
    return names.get(value, value)


def mermaid(rows=TRANSITIONS, *, names: dict[str, str] | None = None) -> str:
    """A table as a Mermaid state diagram (docs/architecture.md). ``names`` renames states
    whose stored value cannot be a diagram node (the empty answer)."""
    names = names or {}
    lines = ["stateDiagram-v2"]
    lines += [
        f"    {_state(source, names) if source != '[*]' else source} --> "
        f"{_state(t.target, names)}: {t.action} ({t.by})"
        for t in rows
        for source in t.sources or ("[*]",)
    ]
    return "\n".join(lines)


def markdown(rows=TRANSITIONS, *, names: dict[str, str] | None = None) -> str:
    """A table as Markdown (docs/architecture.md)."""
    names = names or {}
    extra = any(getattr(t, "when", "") or getattr(t, "then", "") for t in rows)
    head = "| action | from | to | by | sets | audit code | email |"
    lines = [
        head + (" only when | then |" if extra else ""),
        "|---|---|---|---|---|---|---|" + ("---|---|" if extra else ""),
    ]
    for t in rows:
        sources = ", ".join(f"`{_state(s, names)}`" for s in t.sources) or "(new)"
        line = (
            f"| `{t.action}` | {sources} | `{_state(t.target, names)}` | {t.by} "
            f"| {f'`{t.stamp}`' if t.stamp else ''} | `{t.audit}` "
            f"| {f'`{t.email}`' if t.email else ''} |"
        )
        if extra:
            line += f" {getattr(t, 'when', '')} | {getattr(t, 'then', '')} |"
        lines.append(line)
    return "\n".join(lines)
