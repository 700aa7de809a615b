"""An independent verifier accepts what we issue: Digital Bazaar's JavaScript
libraries (``@digitalbazaar/vc`` with the ``eddsa-rdfc-2022`` Data Integrity
cryptosuite), run with Node on files we write, with no code of ours involved.
"""
import json
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "passport"))
from passport_issuer import ISSUED_AT, Installation  # noqa: E402

from competency.passport import credentials as oc  # noqa: E402
from competency.passport.statuslist import StatusEntry, StatusPurpose  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).parent / "js" / "verify-credential.mjs"
NOW = "2026-04-01T00:00:00Z"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (ROOT / "node_modules" / "@digitalbazaar" / "vc").exists(),
    reason="needs Node and `npm install` (the verifier's libraries are devDependencies in package.json)",
)


def run_verifier(tmp_path: Path, installation: Installation, credential: dict) -> dict:
    files = {"credential.json": credential, "did.json": installation.did_document()}
    for purpose in StatusPurpose:
        files[f"{purpose.value}.json"] = installation.status_list_credential(purpose)
    lists = [arg for purpose in StatusPurpose for arg in ("--status-list", str(tmp_path / f"{purpose.value}.json"))]
    for name, document in files.items():
        (tmp_path / name).write_text(json.dumps(document))
    command = [
        "node", str(SCRIPT),
        "--credential", str(tmp_path / "credential.json"),
        "--did", str(tmp_path / "did.json"),
        *lists,
        "--now", NOW,
    ]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert completed.returncode in (0, 1), completed.stderr
    report = json.loads(completed.stdout)
    assert report["verified"] is (completed.returncode == 0)
    return report


@pytest.fixture
def installation():
    return Installation()


def test_a_signoff_credential_we_issued_verifies(tmp_path, installation):
    report = run_verifier(tmp_path, installation, installation.issue())
    assert report == {"verified": True, "errors": []}


def test_a_tampered_copy_fails(tmp_path, installation):
    credential = installation.issue()
    credential["credentialSubject"]["result"][0]["achievedLevel"] = "urn:uuid:7d1e9c20-0000-5222-8333-444455556666"
    report = run_verifier(tmp_path, installation, credential)
    assert report["verified"] is False
    assert "Invalid signature." in report["errors"]


def test_a_revoked_credential_fails_on_our_status_list(tmp_path, installation):
    credential = installation.issue()
    installation.set_status(credential, StatusPurpose.revocation)
    report = run_verifier(tmp_path, installation, credential)
    assert report["verified"] is False
    assert "credential status is set: revoked" in report["errors"]


def test_a_suspended_credential_fails_and_recovers(tmp_path, installation):
    credential = installation.issue()
    installation.set_status(credential, StatusPurpose.suspension)
    assert "credential status is set: suspended" in run_verifier(tmp_path, installation, credential)["errors"]
    installation.set_status(credential, StatusPurpose.suspension, False)
    assert run_verifier(tmp_path, installation, credential)["verified"] is True


def test_a_credential_with_the_older_two_status_entries_verifies_and_fails_when_revoked(tmp_path, installation):
    credential = installation.issue(legacy_status=True)
    assert run_verifier(tmp_path, installation, credential)["verified"] is True
    installation.set_status(credential, StatusPurpose.revocation)
    assert "credential status is set: revocation" in run_verifier(tmp_path, installation, credential)["errors"]


def test_a_credential_signed_before_key_rotation_verifies(tmp_path, installation):
    before = installation.issue()
    installation.rotate()
    assert run_verifier(tmp_path, installation, before)["verified"] is True


def test_a_programme_completion_credential_verifies(tmp_path, installation):
    status = [StatusEntry.ours(99, installation.list_url(StatusPurpose.message))]
    facts = oc.CompletionFacts(
        credential_id="0b6c3a52-cccc-4000-8000-000000000001",
        issuer=oc.IssuerProfile(installation.did, "North Downs NHS Foundation Trust"),
        holder=oc.Holder("priya.shah@example.org", oc.Registration("HCPC", "OT61234"), "Priya Shah"),
        programme=oc.Programme("5c0a2d1e-0000-5000-8000-000000000001", "Multiprofessional preceptorship",
                               "preceptorship", "A year of supported practice.", "All milestones reviewed.", "2"),
        started_on=date(2025, 3, 3),
        completed_on=date(2026, 3, 2),
        completed_at=ISSUED_AT,
        confirmed_by=oc.Assessor("Amira Khan", "Practice education lead", oc.Registration("HCPC", "OT40000")),
        status=status,
    )
    key = installation.current_key
    credential = oc.sign_credential(oc.build_completion_credential(facts), key,
                                    verification_method=installation.method_id(key),
                                    created=datetime(2026, 3, 2, 10, tzinfo=UTC))
    assert run_verifier(tmp_path, installation, credential)["verified"] is True
