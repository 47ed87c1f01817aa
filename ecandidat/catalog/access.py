"""Who sees and edits what in the catalogue, from the staff member's role assignments.

Administrators and the central office see everything. A centre manager sees and edits the
programs, commissions, document types and questions of their centres (or, when the
assignment names a commission, of that commission only). A commission member sees the
programs of their commissions. Everything else answers 404 (see core.access).

Entering decisions is scoped apart (``decision_program_filter``): ``can_decide`` belongs to
one commission assignment, so a member who decides in one commission only reads another.
"""

from dataclasses import dataclass

from django.db.models import Q

from ecandidat.accounts.enums import GLOBAL_ROLES, StaffRole

# A candidate manager whose assignment allows editing dossiers and accounts.
CANDIDATE_EDITOR = "candidate_manager:edit"
# A commission member allowed to enter decisions (not to validate them).
DECIDING_MEMBER = "commission_member:decide"


@dataclass(frozen=True)
class StaffScope:
    roles: frozenset
    centre_ids: frozenset  # centres managed in full
    managed_commission_ids: frozenset  # commissions managed by a narrowed centre manager
    member_commission_ids: frozenset  # commissions the user sits on
    # Commissions whose assignment allows entering decisions (can_decide): a subset of
    # member_commission_ids, never widened to the member's other commissions.
    deciding_commission_ids: frozenset = frozenset()

    @property
    def is_global(self) -> bool:
        return bool(self.roles & set(GLOBAL_ROLES))

    @property
    def is_centre_manager(self) -> bool:
        return StaffRole.CENTRE_MANAGER in self.roles

    @property
    def commission_ids(self) -> frozenset:
        return self.managed_commission_ids | self.member_commission_ids

    def has_role(self, *roles) -> bool:
        return self.is_global or bool(self.roles & set(roles))


EMPTY = StaffScope(frozenset(), frozenset(), frozenset(), frozenset())


def scope_of(user) -> StaffScope:
    """The user's scope, computed once per request (cached on the user object)."""
    if not getattr(user, "is_authenticated", False) or not user.is_staff:
        return EMPTY
    cached = getattr(user, "_staff_scope", None)
    if cached is not None:
        return cached
    from ecandidat.accounts.models import RoleAssignment

    roles, centres, managed, member, deciding = set(), set(), set(), set(), set()
    if user.is_superuser:
        roles.add(StaffRole.ADMINISTRATOR)
    for role, centre_id, commission_id, can_edit, can_decide in RoleAssignment.objects.filter(
        user=user
    ).values_list("role", "centre_id", "commission_id", "can_edit", "can_decide"):
        roles.add(role)
        if role == StaffRole.CANDIDATE_MANAGER and can_edit:
            roles.add(CANDIDATE_EDITOR)
        if role == StaffRole.COMMISSION_MEMBER and can_decide:
            roles.add(DECIDING_MEMBER)
            deciding.add(commission_id)
        if role == StaffRole.CENTRE_MANAGER:
            if commission_id:
                managed.add(commission_id)
            else:
                centres.add(centre_id)
        elif role == StaffRole.COMMISSION_MEMBER:
            member.add(commission_id)
    scope = StaffScope(
        frozenset(roles),
        frozenset(centres),
        frozenset(managed),
        frozenset(member),
        frozenset(deciding),
    )
    user._staff_scope = scope
    return scope


def program_filter(scope: StaffScope, *, edit: bool) -> Q | None:
    """A Q on Program for what the scope reaches; None means everything."""
    if scope.is_global:
        return None
    commissions = scope.managed_commission_ids if edit else scope.commission_ids
    return Q(centre_id__in=scope.centre_ids) | Q(commission_id__in=commissions)


def decision_program_filter(scope: StaffScope) -> Q | None:
    """A Q on Program for the programs whose applications the scope may enter decisions on;
    None means every program.

    DECIDING_MEMBER only grants the permission (the kind of action); which commissions it
    applies to comes from the assignments themselves. A centre manager decides for what
    they manage.
    """
    if scope.is_global:
        return None
    return Q(centre_id__in=scope.centre_ids) | Q(
        commission_id__in=scope.managed_commission_ids | scope.deciding_commission_ids
    )


def commission_filter(scope: StaffScope, *, edit: bool) -> Q | None:
    if scope.is_global:
        return None
    commissions = scope.managed_commission_ids if edit else scope.commission_ids
    return Q(centre_id__in=scope.centre_ids) | Q(pk__in=commissions)


def centre_filter(scope: StaffScope, *, edit: bool) -> Q | None:
    if scope.is_global:
        return None
    if edit:
        return Q(pk__in=scope.centre_ids)
    return Q(pk__in=scope.centre_ids) | Q(commissions__in=scope.commission_ids)


def scoped_item_filter(scope: StaffScope, *, edit: bool) -> Q | None:
    """Document types and questions: a centre manager handles those of their centres and
    programs; items for every program belong to the central office (visible to all staff)."""
    if scope.is_global:
        return None
    own = Q(centre_id__in=scope.centre_ids) | Q(programs__centre_id__in=scope.centre_ids)
    if edit:
        return own
    from .enums import Scope

    return own | Q(scope=Scope.ALL)
