"""Write the load run's plan: who signs in as whom, API tokens, and sign-off requests that can really be made.

Runs against the seeded database (``flask demo seed``) before the load starts. For each
synthetic practitioner it finds capabilities of the current framework that are neither
signed off nor waiting, with an assessor the sign-off rules accept, so the load's requests
and decisions succeed for the right reasons rather than failing on a rule.
"""
from __future__ import annotations

import json
import sys
from datetime import date

import sqlalchemy as sa

from competency import create_app
from competency.accounts.models import Membership, Role, User
from competency.accounts.services import create_api_token
from competency.errors import DomainError
from competency.extensions import db
from competency.passport.models import PassportCredential
from competency.signoff.capabilities import current_framework_version
from competency.signoff.queries import pending_request, standing_signoff
from competency.signoff.rules import check_assessor

PER_PRACTITIONER = 12


def _assessors_for(practitioner: User) -> list[User]:
    org_ids = [m.organisation_id for m in practitioner.memberships if m.is_active]
    staff = sa.select(Membership.user_id).where(Membership.organisation_id.in_(org_ids), Membership.is_active,
                                                Membership.role.in_([Role.preceptor, Role.lead]))
    return list(db.session.scalars(sa.select(User).where(User.id.in_(staff), User.id != practitioner.id)
                                   .order_by(User.id)))


def _requestable(practitioner: User, capabilities, today: date) -> list[dict]:
    found = []
    assessors = _assessors_for(practitioner)
    for capability in capabilities:
        if standing_signoff(practitioner.id, capability.uuid) or pending_request(practitioner.id, capability.uuid):
            continue
        for assessor in assessors:
            try:
                check_assessor(assessor, practitioner, capability, today)
            except DomainError:
                continue
            found.append({"capability": capability.uuid, "assessor_id": assessor.id})
            break
        if len(found) >= PER_PRACTITIONER:
            break
    return found


def build_plan(password: str) -> dict:
    today = date.today()
    version = current_framework_version()
    capabilities = list(version.capabilities) if version else []
    members = sa.select(Membership.user_id).where(Membership.role == Role.practitioner)
    practitioners = db.session.scalars(sa.select(User).where(User.email.like("%@synthetic.demo.test"),
                                                             User.id.in_(members)).order_by(User.id)).all()
    plan = {"password": password, "practitioners": [], "assessor_tokens": {}, "credentials": []}
    assessor_ids = set()
    for person in practitioners:
        items = _requestable(person, capabilities, today)
        if not items:
            continue
        _, token = create_api_token(person, "load test")
        plan["practitioners"].append({"email": person.email, "token": token, "items": items})
        assessor_ids.update(item["assessor_id"] for item in items)
    for assessor in db.session.scalars(sa.select(User).where(User.id.in_(assessor_ids))):
        plan["assessor_tokens"][str(assessor.id)] = create_api_token(assessor, "load test")[1]
    plan["roles"] = {
        "preceptor": ["preceptor@demo.test", "trust.preceptor@demo.test"],
        "lead": ["lead@demo.test"],
        "admin": ["admin@demo.test"],
        "analyst": ["analyst@demo.test"],
        "holder": ["preceptee@demo.test", "ota@demo.test"],
    }
    plan["credentials"] = list(db.session.scalars(sa.select(PassportCredential.public_id).where(
        PassportCredential.issuer_organisation_id.is_not(None)).limit(50)))
    db.session.commit()
    return plan


def main(path: str) -> None:
    app = create_app()
    with app.app_context():
        plan = build_plan(app.config.get("DEMO_PASSWORD") or "correct-horse-battery")
    with open(path, "w") as handle:
        json.dump(plan, handle)
    print(f"plan: {len(plan['practitioners'])} practitioners, {sum(len(p['items']) for p in plan['practitioners'])} "
          f"requestable sign-offs, {len(plan['assessor_tokens'])} assessors, {len(plan['credentials'])} credentials")


if __name__ == "__main__":
    main(sys.argv[1])
