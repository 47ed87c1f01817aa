"""Decisions in the browser: a commission member enters, a manager validates, candidates
answer, a withdrawal promotes the complementary list."""

import pytest

from ecandidat.accounts.enums import StaffRole
from ecandidat.accounts.models import RoleAssignment
from ecandidat.decisions import services as decisions
from ecandidat.decisions.enums import DecisionKind
from ecandidat.notifications.models import OutboxEmail
from tests.decisions.test_decisions import decision_types, received, type_of  # noqa: F401
from tests.e2e.conftest import check_accessibility, new_page
from tests.e2e.test_staff_processing import login
from tests.factories import staff_with_role

pytestmark = pytest.mark.django_db(transaction=True)


def test_decisions_published_answered_and_promoted(browser, live_url, program, campaign):
    program.capacity = 1
    program.confirmation_days = 8
    program.complementary_confirmation_days = 4
    program.save()
    admitted, waiting, refused = received(program, campaign, 3)
    waiting.candidate.preferred_language = "fr"
    waiting.candidate.save()
    member = staff_with_role(
        StaffRole.COMMISSION_MEMBER, commission=program.commission, preferred_language="en"
    )
    RoleAssignment.objects.filter(user=member).update(can_decide=True)
    manager = staff_with_role(
        StaffRole.CENTRE_MANAGER, centre=program.centre, preferred_language="en"
    )

    # The commission member enters three decisions.
    page = new_page(browser, "en")
    login(page, live_url, member, "/staff/")
    for application, kind, fill in [
        (admitted, DecisionKind.FAVOURABLE, {}),
        (waiting, DecisionKind.COMPLEMENTARY_LIST, {"#decision-rank": "1"}),
        (refused, DecisionKind.UNFAVOURABLE, {}),
    ]:
        page.goto(live_url + f"/staff/applications/{application.pk}/")
        page.select_option("#decision-type", str(type_of(kind).pk))
        if kind == DecisionKind.UNFAVOURABLE:
            page.select_option("#decision-reason", index=1)
        for selector, value in fill.items():
            page.fill(selector, value)
        page.get_by_role("button", name="Enter the decision").click()
        page.wait_for_selector(".alert-success")
    check_accessibility(page)
    assert not page.get_by_role("button", name="Validate").count()  # members do not validate
    page.context.close()

    # The manager validates them all at once from the list.
    staff = new_page(browser, "en")
    login(staff, live_url, manager, "/staff/")
    staff.goto(live_url + "/staff/applications/")
    for application in (admitted, waiting, refused):
        staff.locator(f"input[name=ids][value='{application.pk}']").check()
    staff.select_option("#bulk-action", "validate_decisions")
    staff.get_by_role("button", name="Run").click()
    staff.wait_for_selector("text=Finished.")
    assert "3 succeeded." in staff.content()
    staff.context.close()

    # Candidates see their decisions, in their language.
    candidate_page = new_page(browser, "fr")
    login(candidate_page, live_url, waiting.candidate, "/candidate/")
    candidate_page.goto(live_url + f"/candidate/applications/{waiting.pk}/")
    assert "liste complémentaire" in candidate_page.content()
    check_accessibility(candidate_page)

    favourable = new_page(browser, "en")
    login(favourable, live_url, admitted.candidate, "/candidate/")
    favourable.goto(live_url + f"/candidate/applications/{admitted.pk}/")
    check_accessibility(favourable)
    with favourable.expect_download() as download:
        favourable.get_by_role("link", name="Download my letter").click()
    assert download.value.suggested_filename.startswith("letter-")
    favourable.get_by_role("link", name="Withdraw").click()
    check_accessibility(favourable)
    favourable.fill("#reason", "I accepted another offer.")
    favourable.get_by_role("button", name="I withdraw").click()
    favourable.wait_for_selector(".alert-success")
    favourable.context.close()

    # The complementary-list candidate was promoted and emailed; they confirm.
    assert decisions.latest_validated(waiting).decision_type.kind == DecisionKind.FAVOURABLE
    assert (
        OutboxEmail.objects.filter(
            template="decision_published", recipient=waiting.candidate.email
        ).count()
        == 2
    )
    candidate_page.reload()
    candidate_page.get_by_role("link", name="Confirmer").click()
    candidate_page.get_by_role("button", name="Je confirme ma place").click()
    candidate_page.wait_for_selector(".alert-success")
    waiting.refresh_from_db()
    assert waiting.answer == "confirmed"
    check_accessibility(candidate_page)
    candidate_page.context.close()
