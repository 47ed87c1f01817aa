"""Who sees and edits what in the catalogue, from the staff member's role assignments.

Administrators and the central office see everything. A centre manager sees and edits the
programs, commissions, document types and questions of their centres (or, when the
assignment names a commission, of that commission only). A commission member sees the
programs of their commissions. Everything else answers 404 (see www.access).

Entering decisions is scoped apart (``decision_program_filter``): ``can_decide`` belongs to
one commission assignment, so a member who decides in one commission only reads another.
"""

from django.db.models import Q

from ecandidat.accounts.scope import StaffScope

from .enums import Scope


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
    return own | Q(scope=Scope.ALL)
