"""A staff member's scope: their roles and the centres and commissions their role
assignments name, computed once per request from ``RoleAssignment``.

Every object scope (catalogue, applications, dossiers, decisions) is built from this value;
the filters on each model live with the model's app (``catalog.access`` for programs,
commissions and centres).
"""

from dataclasses import dataclass

from .enums import GLOBAL_ROLES, StaffRole

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
    roles, centres, managed, member, deciding = set(), set(), set(), set(), set()
    if user.is_superuser:
        roles.add(StaffRole.ADMINISTRATOR)
    # Through the user's reverse relation rather than the model: the models' querysets build
    # on scopes, so this module does not import them.
    for role, centre_id, commission_id, can_edit, can_decide in user.roles.values_list(
        "role", "centre_id", "commission_id", "can_edit", "can_decide"
    ):
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
