"""Which candidates' dossiers a staff member reaches.

Administrators, the central office and candidate managers find every candidate: that is
their job. A centre manager or a commission member reaches a candidate only through an
application they can see (``Application.objects.visible_to_staff``); a candidate who applied
elsewhere, or nowhere, does not exist for them (404). Every staff view that fetches a
candidate by dossier number, and the candidate search, starts from this queryset; the
permission decorators on those views still say which *kind* of action is possible.
"""

from django.db.models import Exists, OuterRef

from ecandidat.accounts.enums import StaffRole
from ecandidat.accounts.models import User
from ecandidat.accounts.scope import scope_of
from ecandidat.applications.models import Application


def candidates_visible_to_staff(user):
    """Candidate accounts whose dossier ``user`` may open; none for a non-staff user or a
    staff account without a role (permissions given by hand widen no object scope)."""
    scope = scope_of(user)
    candidates = User.objects.candidates()
    if not scope.roles:
        return candidates.none()
    if scope.has_role(StaffRole.CANDIDATE_MANAGER):  # has_role includes the global roles
        return candidates
    in_scope = Application.objects.visible_to_staff(user).filter(candidate=OuterRef("pk"))
    return candidates.filter(Exists(in_scope))
