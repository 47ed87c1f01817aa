"""Where each of the candidate's applications stands, for the home page and the list: the
published decision, what the candidate must do and by when, the answer given.

An offer waiting for an answer must be impossible to miss (results night: a candidate who
does not confirm in time loses the place), so the home page puts those first.
"""

from dataclasses import dataclass

from ecandidat.applications.enums import FileStatus
from ecandidat.applications.models import Application
from ecandidat.decisions.models import Decision
from ecandidat.decisions.services import with_validated_decisions


@dataclass(frozen=True)
class Progress:
    application: Application
    decision: Decision | None

    @property
    def awaits_answer(self) -> bool:
        return (
            self.decision is not None
            and self.decision.is_favourable
            and not self.application.answer
        )

    @property
    def shows_results_date(self) -> bool:
        """The results date is announced only while no decision is published (it would
        otherwise contradict the decision shown)."""
        return self.decision is None and bool(self.application.program.results_at)


def applications_of(candidate) -> list[Progress]:
    """The candidate's applications (cancelled ones left out), newest first, each with its
    published decision: two queries whatever their number (the current position on a
    complementary list, one query each, is on the application's own page)."""
    applications = with_validated_decisions(
        Application.objects.of_candidate(candidate)
        .exclude(file_status=FileStatus.CANCELLED)
        .with_list_data()
    )
    rows = []
    for application in applications:
        decisions = application.validated_decisions
        rows.append(Progress(application, decisions[0] if decisions else None))
    return rows
