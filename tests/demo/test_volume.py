"""generate_volume at a small volume: the counts asked for, every status and kind present,
idempotent, the decision column in line with the decisions, pages that render on it."""

import io
import json
from collections import Counter

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.urls import reverse

from ecandidat.accounts.models import User
from ecandidat.applications.enums import CandidateAnswer, DecisionKind, DocumentStatus, FileStatus
from ecandidat.applications.models import Answer, Application, ApplicationDocument
from ecandidat.catalog.enums import CampaignStatus
from ecandidat.decisions.models import Decision
from ecandidat.demo import volume
from ecandidat.dossier.models import PersonalInformation
from ecandidat.dossier.services import summary_key
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CANDIDATES, APPLICATIONS = 50, 120


def quiet(*_args):
    pass


@pytest.fixture
def generated(referentials):
    assert volume.generate(candidates=CANDIDATES, applications=APPLICATIONS, log=quiet)
    return volume.generated_applications()


def test_the_volume_asked_for(generated):
    assert volume.generated_candidates().count() == CANDIDATES
    assert generated.count() == APPLICATIONS
    assert volume.present() == (CANDIDATES, APPLICATIONS)
    # Staff to measure with: the whole campaign, a centre, a commission.
    assert set(
        User.objects.filter(username__startswith="volume.").values_list("username", flat=True)
    ) == {"volume.admin", "volume.central", "volume.manager", "volume.member"}
    # Every application in one of the generated programs, under both campaigns.
    assert not generated.exclude(program__code__startswith="VOL-").exists()
    campaigns = Counter(generated.values_list("campaign__status", flat=True))
    assert campaigns[CampaignStatus.ACTIVE] > campaigns[CampaignStatus.ARCHIVED] > 0
    # Candidates apply to several programs each, some to none.
    per_candidate = Counter(generated.values_list("candidate_id", flat=True))
    assert max(per_candidate.values()) > 2 and len(per_candidate) < CANDIDATES


def test_every_status_kind_and_answer_is_there(generated):
    current = generated.filter(campaign__status=CampaignStatus.ACTIVE)
    assert set(current.values_list("file_status", flat=True)) == set(FileStatus.values)
    validated = Decision.objects.filter(application__in=generated, validated_at__isnull=False)
    assert set(validated.values_list("decision_type__kind", flat=True)) == set(DecisionKind.values)
    assert Decision.objects.filter(application__in=current, validated_at__isnull=True).exists()
    assert set(generated.values_list("answer", flat=True)) == {"", *CandidateAnswer.values}
    # An offer awaiting its answer has its deadline ahead; an answered one has its moment.
    for application in generated.filter(decision_kind=DecisionKind.FAVOURABLE):
        assert application.confirmation_deadline is not None
        assert (application.answered_at is None) == (application.answer == "")
    documents = ApplicationDocument.objects.filter(application__in=generated)
    assert set(documents.values_list("status", flat=True)) == set(DocumentStatus.values)
    # Uploaded means a file, and the stored content is there to be downloaded.
    assert not documents.filter(status=DocumentStatus.MISSING, file__isnull=False).exists()
    assert not documents.filter(status=DocumentStatus.VALIDATED, file__isnull=True).exists()
    stored = documents.exclude(file=None).first().file.file
    assert stored.storage.exists(stored.name)
    assert Answer.objects.filter(application__in=generated).exists()
    # A dossier for everyone who applied; French nationals with their INE.
    applied = set(generated.values_list("candidate_id", flat=True))
    dossiers = PersonalInformation.objects.filter(user_id__in=applied)
    assert dossiers.count() == len(applied)
    assert not dossiers.filter(nationality_id="FR", ine="").exists()


def test_the_decision_column_is_the_latest_validated_decision(generated):
    latest = {}
    for decision in (
        Decision.objects.filter(application__in=generated, validated_at__isnull=False)
        .select_related("decision_type")
        .order_by("validated_at", "id")
    ):
        latest[decision.application_id] = decision.decision_type.kind
    kinds = dict(generated.values_list("pk", "decision_kind"))
    assert kinds == {pk: latest.get(pk, "") for pk in kinds}
    assert any(kinds.values())


def test_running_again_changes_nothing_and_another_volume_replaces_it(generated):
    other = UserFactory(username="REAL0001")
    first = list(generated.order_by("pk").values_list("pk", flat=True))
    assert volume.generate(candidates=CANDIDATES, applications=APPLICATIONS, log=quiet) is False
    assert list(generated.order_by("pk").values_list("pk", flat=True)) == first
    assert volume.generate(candidates=20, applications=30, log=quiet) is True
    assert volume.present() == (20, 30)
    assert not Application.objects.filter(pk__in=first).exists()
    assert User.objects.filter(pk=other.pk).exists()
    volume.delete(log=quiet)
    assert volume.present() == (0, 0)
    assert not User.objects.filter(email__endswith="@volume.example.org").exists()
    assert User.objects.filter(pk=other.pk).exists()


def test_the_same_seed_builds_the_same_data(referentials):
    def fingerprint():
        return sorted(
            volume.generated_applications().values_list(
                "candidate__username", "program__code", "file_status", "decision_kind", "answer"
            )
        )

    volume.generate(candidates=20, applications=40, log=quiet)
    first = fingerprint()
    volume.generate(candidates=20, applications=40, replace=True, log=quiet)
    assert fingerprint() == first


def test_the_caches_are_forgotten(generated):
    candidate = volume.generated_candidates().first()
    cache.set(summary_key(candidate.pk), {"stale": True})
    volume.forget_caches()
    assert cache.get(summary_key(candidate.pk)) is None


def test_the_pages_render_on_generated_data(client, generated):
    application = generated.filter(decision_kind=DecisionKind.FAVOURABLE, answer="").first()
    candidate = application.candidate
    assert client.login(username=candidate.username, password=volume.DEFAULT_PASSWORD)
    for url in (
        reverse("candidate:home"),
        reverse("candidate:application", args=[application.pk]),
        reverse("candidate:dossier_personal") + "?edit=1",
    ):
        assert client.get(url).status_code == 200, url
    client.force_login(User.objects.get(username="volume.central"))
    for url in (
        reverse("staff:dashboard"),
        reverse("staff:applications"),
        reverse("staff:applications_dashboard"),
        reverse("staff:application", args=[application.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_the_command_refuses_without_debug_and_writes_the_personas(referentials, tmp_path):
    with pytest.raises(CommandError, match="known password"):
        call_command("generate_volume", "--candidates", "5", "--applications", "5")
    target = tmp_path / "personas.json"
    call_command(
        "generate_volume",
        *("--candidates", "40", "--applications", "100"),
        *("--personas", str(target), "--allow-known-passwords"),
        stdout=io.StringIO(),
    )
    personas = json.loads(target.read_text())
    assert personas["password"] == volume.DEFAULT_PASSWORD
    assert personas["staff"] == [
        "volume.admin",
        "volume.central",
        "volume.manager",
        "volume.member",
    ]
    for entry in personas["deadline"]:
        application = Application.objects.get(pk=entry["application"])
        assert application.candidate.username == entry["login"]
        assert application.file_status == FileStatus.WAITING
        assert set(entry["documents"]) <= set(
            application.documents.filter(status=DocumentStatus.MISSING).values_list(
                "document_type_id", flat=True
            )
        )
    for entry in personas["results"]:
        application = Application.objects.get(pk=entry["application"])
        assert application.decision_kind == DecisionKind.FAVOURABLE and application.answer == ""
    assert personas["deadline"] and personas["results"] and personas["readers"]
    call_command("generate_volume", "--delete", "--allow-known-passwords", stdout=io.StringIO())
    assert volume.present() == (0, 0)
