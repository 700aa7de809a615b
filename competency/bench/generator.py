"""A synthetic integrated care system: organisations, people and everything they record.

Rows are generated organisation by organisation with ids assigned up front (so
foreign keys are known without reading anything back) and handed to a bulk
writer. The shape follows the platform's real use: most people are registered
practitioners or support workers, each with a portfolio of evidence, sign-offs
decided by the preceptors of their employer, some still waiting; newly
registered people on preceptorship; support workers on progression pathways.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from competency.accounts.models import OrgKind, Sector, User
from competency.accounts.passwords import hash_password
from competency.bench import writer as bulk
from competency.bench.columns import COLUMNS, TABLES
from competency.extensions import db
from competency.frameworks.models import Capability, Framework, FrameworkVersion, Level, VersionStatus
from competency.preceptorship.models import TemplateVersion

FRAMEWORK_SLUG = "shared-capability-framework"
TEMPLATE_SLUG = "ahp-preceptorship"
EMAIL_DOMAIN = "bench.example.org"
# (level code, share of practitioners)
LEVEL_MIX = [("support", 14), ("senior_support", 14), ("assistant_practitioner", 5), ("pre_registration", 4),
             ("registered", 38), ("enhanced", 18), ("advanced", 6), ("consultant", 1)]
REGISTERED_PROFESSIONS = [("Occupational therapist", "HCPC", "OT", 40), ("Physiotherapist", "HCPC", "PH", 30),
                          ("Speech and language therapist", "HCPC", "SL", 10), ("Dietitian", "HCPC", "DT", 5),
                          ("Social worker", "SWE", "SW", 10), ("Nurse", "NMC", "NM", 5)]
SUPPORT_PROFESSIONS = [("Occupational therapy assistant", 45), ("Therapy support worker", 25),
                       ("Social care practitioner", 20), ("Rehabilitation support worker", 10)]
ORG_KINDS = [(OrgKind.nhs_trust, Sector.health, 40), (OrgKind.local_authority, Sector.social_care, 30),
             (OrgKind.private_provider, Sector.social_care, 20), (OrgKind.voluntary, Sector.voluntary, 10)]
EVIDENCE_KINDS = ["reflection", "direct_observation", "supervision_note", "certificate", "case_study",
                  "cpd_record", "other"]
# Pathway stages a practitioner at each level stands on: (pathway slug, stage, next stage, step).
OTA_PATHWAY = "ota-to-ot-degree-apprenticeship"
COUNCIL_PATHWAY = "council-support-worker-to-practitioner"


@dataclass
class Plan:
    practitioners: int
    organisations: int = 0
    evidence_per_person: int = 50
    signoffs_per_person: int = 20
    pending_per_person: int = 1
    returned_per_person: int = 1
    region: str = "Bench ICS"
    today: date = field(default_factory=date.today)
    seed: int = 20261123
    password: str = "correct-horse-battery"
    email_domain: str = EMAIL_DOMAIN
    # Put before every generated display name, e.g. "Synthetic " for demo staff.
    name_prefix: str = ""

    def __post_init__(self) -> None:
        if self.organisations <= 0:
            self.organisations = max(3, min(60, self.practitioners // 800))


@dataclass
class Summary:
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, n: int) -> None:
        self.rows[name] = self.rows.get(name, 0) + n


def _weighted(rng: random.Random, options):
    """One of ``options`` (tuples whose last item is the weight)."""
    return rng.choices(options, weights=[o[-1] for o in options])[0]


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.utc)


def _hash(n: int) -> str:
    """A stand-in content hash (the right shape; nothing verifies bench evidence)."""
    return f"{n:064x}"


@dataclass
class Reference:
    """What the generated rows point at: the framework version, its capabilities and the programme template."""

    version_id: int
    capabilities: list[tuple[str, str, int]]  # (uuid, code, level position)
    template: TemplateVersion
    milestones: list[tuple[int, str, int, int, int, bool, bool]]
    checkin_pillars: list[str]


def ensure_reference() -> Reference:
    """Publish the shipped framework and programme templates when missing (ORM; small)."""
    from competency.frameworks import services as framework_services
    from competency.frameworks.loading import SHIPPED_DATA, load_path
    from competency.preceptorship.catalogue import ensure_shipped_templates

    version_id = db.session.scalar(
        sa.select(FrameworkVersion.id).join(Framework).where(Framework.slug == FRAMEWORK_SLUG,
                                                             FrameworkVersion.status == VersionStatus.published))
    if version_id is None:
        result = load_path(SHIPPED_DATA)
        outcome = framework_services.import_loaded(result, by=None)
        for version in outcome.versions:
            if version.status == VersionStatus.draft:
                framework_services.publish_version(version, by=None)
        db.session.flush()
        version_id = db.session.scalar(
            sa.select(FrameworkVersion.id).join(Framework).where(Framework.slug == FRAMEWORK_SLUG,
                                                                 FrameworkVersion.status == VersionStatus.published))
    capabilities = [tuple(row) for row in db.session.execute(
        sa.select(Capability.uuid, Capability.code, Level.position).join(Level, Level.id == Capability.level_id)
        .where(Capability.version_id == version_id).order_by(Capability.position))]
    templates = {v.template.slug: v for v in ensure_shipped_templates()}
    template = templates[TEMPLATE_SLUG]
    milestones = [(m.id, m.code, m.due_day, m.window_days, m.position, m.is_optional, m.is_after_completion)
                  for m in template.milestones]
    return Reference(version_id, capabilities, template, milestones, list(template.checkin_pillars or []))


class Generator:
    def __init__(self, plan: Plan, reference: Reference, write: Callable[[str, list, list], int]):
        self.plan = plan
        self.ref = reference
        self.write = write
        self.rng = random.Random(plan.seed)
        self.ids = bulk.next_ids([t for t in TABLES if t != "signoff_request_evidence"])
        self.password_hash = hash_password(plan.password)
        self.summary = Summary()
        self.created = _at(plan.today - timedelta(days=1200))
        self.level_position = {code: i for i, (code, _) in enumerate(LEVEL_MIX, start=1)}
        self.rows: dict[str, list[tuple]] = {}
        # Precomputed values for the hot loop: days ago -> date and 10:00 UTC that day, titles, hours.
        self.days = [plan.today - timedelta(days=k) for k in range(1001)]
        self.moments = [_at(day) for day in self.days]
        self.hours = [timedelta(hours=h - 2) for h in range(10)]
        self.titles = [[f"{kind.replace('_', ' ').capitalize()} {n + 1}" for n in range(plan.evidence_per_person)]
                       for kind in EVIDENCE_KINDS]
        # Capabilities a person at each level position may hold evidence for (their level and below).
        self.eligible = [[c for c in reference.capabilities if c[2] <= p] or reference.capabilities
                         for p in range(0, len(LEVEL_MIX) + 1)]
        # The well-known accounts (lead@, preceptor@, ...) are given out once per database.
        self.taken = set(db.session.scalars(sa.select(User.email).where(
            User.email.like(f"%@{plan.email_domain}"), ~User.email.like(f"u%@{plan.email_domain}"))))

    def next_id(self, name: str) -> int:
        value = self.ids[name]
        self.ids[name] += 1
        return value

    def add(self, name: str, row: tuple) -> None:
        self.rows.setdefault(name, []).append(row)

    def flush(self) -> None:
        for name in TABLES:
            rows = self.rows.pop(name, None)
            if rows:
                self.summary.add(name, self.write(name, COLUMNS[name], rows))

    # --- organisations and people ----------------------------------------------------------

    def organisations(self) -> list[dict]:
        orgs = []
        base = self.ids["organisation"]
        for n in range(self.plan.organisations):
            kind, sector, _ = ORG_KINDS[n % len(ORG_KINDS)] if n < 4 else _weighted(self.rng, ORG_KINDS)
            org = {"id": self.next_id("organisation"), "name": f"Bench {kind.value.replace('_', ' ')} {base + n}",
                   "kind": kind, "sector": sector}
            orgs.append(org)
            self.add("organisation", (org["id"], f"bench-org-{org['id']}", org["name"], kind.value, sector.value,
                                      None, self.plan.region, {}, self.created, self.created))
        body = self.next_id("organisation")
        self.add("organisation", (body, f"bench-ics-{body}", f"{self.plan.region} AHP faculty",
                                  OrgKind.regional_body.value, Sector.health.value, None, self.plan.region, {},
                                  self.created, self.created))
        analyst = self.user("analyst", "Bench analyst", None, None)
        region = self.plan.region
        self.add("platform_grant", (self.next_id("platform_grant"), analyst, "analyst", None, region,
                                    f"region:{region}", None, self.created, self.created))
        self.flush()
        return orgs

    def user(self, alias: str | None, name: str, profession: str | None, registration) -> int:
        user_id = self.next_id("user_account")
        domain = self.plan.email_domain
        email = f"{alias}@{domain}" if alias else f"u{user_id}@{domain}"
        if email in self.taken:
            email = f"u{user_id}@{domain}"
        self.taken.add(email)
        body, number, registered_on = registration or (None, None, None)
        self.add("user_account", (user_id, email, self.plan.name_prefix + name, self.password_hash, profession, body, number, registered_on,
                                  True, {}, self.created, self.created))
        return user_id

    def membership(self, user_id: int, org_id: int, role: str) -> None:
        self.add("membership", (self.next_id("membership"), user_id, org_id, role, True, self.created, self.created))

    def employment(self, user_id: int, org_id: int, title: str, level: str, start_on: date,
                   end_on: date | None = None, fte: float = 1.0) -> None:
        self.add("employment", (self.next_id("employment"), user_id, org_id, title, level, None, start_on, end_on,
                                fte, self.created, self.created))

    def registration(self, prefix: str, body: str, user_hint: int, years: int):
        return body, f"{prefix}{user_hint:06d}", self.plan.today - timedelta(days=365 * years + self.rng.randint(0, 300))

    def staff(self, org: dict, index: int) -> dict:
        """Preceptors, two leads and an administrator for one organisation."""
        n_preceptors = max(2, self.plan.practitioners // self.plan.organisations // 20)
        preceptors = [self.preceptor(org, k, "preceptor" if index == 0 and k == 0 else None)
                      for k in range(n_preceptors)]
        leads = []
        for k in range(2):
            alias = "lead" if index == 0 and k == 0 else None
            registration = self.registration("OT", "HCPC", self.ids["user_account"], 15)
            user_id = self.user(alias, f"Lead {org['id']}-{k + 1}", "Occupational therapist", registration)
            self.membership(user_id, org["id"], "lead")
            self.membership(user_id, org["id"], "preceptor")
            self.employment(user_id, org["id"], "Principal occupational therapist", "advanced",
                            self.plan.today - timedelta(days=self.rng.randint(1000, 5000)))
            leads.append(user_id)
        admin = self.user("admin" if index == 0 else None, f"Administrator {org['id']}", None, None)
        self.membership(admin, org["id"], "admin")
        return {"preceptors": preceptors, "leads": leads}

    def preceptor(self, org: dict, k: int, alias: str | None = None) -> dict:
        profession, body, prefix, _ = _weighted(self.rng, REGISTERED_PROFESSIONS)
        registration = self.registration(prefix, body, self.ids["user_account"], self.rng.randint(3, 20))
        name = f"Preceptor {org['id']}-{k + 1}"
        user_id = self.user(alias, name, profession, registration)
        self.membership(user_id, org["id"], "preceptor")
        self.employment(user_id, org["id"], f"Senior {profession.lower()}", self.rng.choice(["enhanced", "advanced"]),
                        self.plan.today - timedelta(days=self.rng.randint(400, 4000)))
        return {"id": user_id, "name": self.plan.name_prefix + name, "profession": profession,
                "body": registration[0], "number": registration[1]}

    def join_organisation(self, org: dict, count: int, lead_id: int, preceptors: int = 2) -> None:
        """``count`` practitioners and their own preceptors added to an organisation that exists already."""
        team = {"preceptors": [self.preceptor(org, k) for k in range(preceptors)], "leads": [lead_id]}
        for _ in range(count):
            self.practitioner(org, team, None)
        self.flush()

    # --- one organisation -------------------------------------------------------------------

    def organisation_people(self, org: dict, index: int, count: int, tick: Callable[[int], None]) -> None:
        team = self.staff(org, index)
        for k in range(count):
            alias = "practitioner" if index == 0 and k == 0 else None
            self.practitioner(org, team, alias)
            if (k + 1) % 200 == 0:
                self.flush()
                tick(200)
        self.flush()
        tick(count % 200)

    def practitioner(self, org: dict, team: dict, alias: str | None) -> None:
        rng, today = self.rng, self.plan.today
        level = "registered" if alias else _weighted(self.rng, LEVEL_MIX)[0]
        position = self.level_position[level]
        registered = position >= self.level_position["registered"]
        if registered:
            profession, body, prefix, _ = _weighted(rng, REGISTERED_PROFESSIONS)
            draw = rng.random()
            years = 0 if draw < 0.12 else 1 if draw < 0.2 else rng.randint(2, 15)
            registration = self.registration(prefix, body, self.ids["user_account"], years)
        else:
            profession, registration, years = _weighted(rng, SUPPORT_PROFESSIONS)[0], None, None
        user_id = self.user(alias, f"Practitioner {self.ids['user_account']}", profession, registration)
        self.membership(user_id, org["id"], "practitioner")
        start_on = (registration[2] + timedelta(days=rng.randint(7, 60))) if registered and years <= 1 \
            else today - timedelta(days=rng.randint(200, 3000))
        start_on = min(start_on, today - timedelta(days=1))
        self.employment(user_id, org["id"], profession.capitalize(), level, start_on,
                        fte=rng.choice([1.0, 1.0, 1.0, 0.8, 0.6]))
        if rng.random() < 0.2:
            earlier = start_on - timedelta(days=rng.randint(400, 1500))
            self.employment(user_id, org["id"], "Care assistant", "support", earlier, start_on - timedelta(days=1))
        self.portfolio(user_id, org, team, position)
        if registered and years <= 1:
            self.preceptorship(user_id, org, team, start_on)
        if level in ("support", "senior_support", "pre_registration"):
            self.progression(user_id, org, team, level, start_on)

    def portfolio(self, user_id: int, org: dict, team: dict, position: int) -> None:
        """Evidence, then requests citing it: the bulk of the rows, so written for speed."""
        rng, plan = self.rng, self.plan
        random_ = rng.random
        eligible = self.eligible[min(max(position, 3), len(self.eligible) - 1)]
        wanted = plan.signoffs_per_person + plan.pending_per_person + plan.returned_per_person
        chosen = rng.sample(eligible, min(wanted, len(eligible)))
        n_chosen, n_eligible = len(chosen), len(eligible)
        count = plan.evidence_per_person
        first = self.ids["evidence"]
        self.ids["evidence"] += count
        first_link = self.ids["evidence_capability"]
        self.ids["evidence_capability"] += count
        evidence_rows = self.rows.setdefault("evidence", [])
        link_rows = self.rows.setdefault("evidence_capability", [])
        days, moments, titles = self.days, self.moments, self.titles
        n_kinds = len(EVIDENCE_KINDS)
        frozen_until = plan.signoffs_per_person
        text = "Notes on what happened and what I learned."
        for n in range(count):
            evidence_id = first + n
            ago = 1 + int(random_() * 1000)
            at = moments[ago]
            kind = n % n_kinds
            capability = chosen[n] if n < n_chosen else eligible[int(random_() * n_eligible)]
            # Evidence cited by a sign-off is frozen from then on.
            evidence_rows.append((evidence_id, user_id, EVIDENCE_KINDS[kind], titles[kind][n], days[ago], text,
                                  at if n < frozen_until else None, at, at))
            link_rows.append((first_link + n, evidence_id, capability[0], at))
        evidence_ids = range(first, first + count)
        today = plan.today
        for n, capability in enumerate(chosen):
            if not evidence_ids:
                break
            preceptor = rng.choice(team["preceptors"])
            evidence_id = evidence_ids[n % len(evidence_ids)]
            if n < plan.signoffs_per_person:
                state, outcome = "signed", "sign"
            elif n < plan.signoffs_per_person + plan.pending_per_person:
                state, outcome = "pending", None
            else:
                state, outcome = "returned", "return"
            if state == "pending":
                requested = self.moments[min(999, int(rng.expovariate(1 / 12)))]
            else:
                requested = self.moments[int(random_() * 1000)]
            requested += self.hours[int(random_() * 10)]
            closed = requested + timedelta(hours=rng.expovariate(1 / 150)) if outcome else None
            request_id = self.next_id("signoff_request")
            self.add("signoff_request", (request_id, user_id, preceptor["id"], org["id"], capability[0],
                                         self.ref.version_id, "", state, closed,
                                         preceptor["id"] if closed else None, requested, closed or requested))
            self.add("signoff_request_evidence", (request_id, evidence_id))
            if outcome:
                self.add("signoff_decision", (self.next_id("signoff_decision"), request_id, outcome,
                                              "" if outcome == "sign" else "Please add an observation.",
                                              preceptor["id"], closed))
            if outcome == "sign":
                level_code = LEVEL_MIX[capability[2] - 1][0] if capability[2] <= len(LEVEL_MIX) else "registered"
                self.add("signoff", (self.next_id("signoff"), "local", user_id, capability[0], capability[1],
                                     self.ref.version_id, level_code, request_id, preceptor["id"], preceptor["name"],
                                     preceptor["profession"], preceptor["body"], preceptor["number"], org["id"],
                                     org["name"], [{"evidence_id": evidence_id, "content_hash": _hash(evidence_id)}],
                                     "", closed, closed))

    def preceptorship(self, user_id: int, org: dict, team: dict, start_on: date) -> None:
        rng, today = self.rng, self.plan.today
        start_on = start_on + timedelta(days=rng.randint(0, 40))
        if start_on > today:
            start_on = today - timedelta(days=1)
        enrolment_id = self.next_id("enrolment")
        preceptor = rng.choice(team["preceptors"])
        lead = team["leads"][0]
        age = (today - start_on).days
        status, completed_on, withdrawn_on = "active", None, None
        if age > 380 and rng.random() < 0.85:
            status, completed_on = "completed", start_on + timedelta(days=365 + rng.randint(0, 80))
            completed_on = min(completed_on, today)
        elif rng.random() < 0.03:
            status, withdrawn_on = "withdrawn", start_on + timedelta(days=rng.randint(30, max(31, age)))
            withdrawn_on = min(withdrawn_on, today)
        self.add("enrolment", (enrolment_id, user_id, org["id"], self.ref.template.id, preceptor["id"], lead, lead,
                               start_on, 1.0, status, start_on, completed_on, "completed" if completed_on else None,
                               withdrawn_on, "Left the organisation" if withdrawn_on else None, _at(start_on),
                               _at(start_on)))
        behind = rng.random() < 0.2
        for milestone_id, code, due_day, window, position, optional, after in self.ref.milestones:
            due_on = start_on + timedelta(days=due_day)
            done = None
            if due_on <= today and (status == "completed" or not (behind and due_on > today - timedelta(days=60))):
                done = min(today, due_on + timedelta(days=rng.randint(-10, 20)))
            if after and status != "completed":
                done = None
            self.add("enrolment_milestone", (self.next_id("enrolment_milestone"), enrolment_id, milestone_id, code,
                                             position, due_on, due_on - timedelta(days=window), not optional, after,
                                             done if not optional else None, "", "", "", "", False))
        if status == "active" and rng.random() < 0.05:
            pause_start = today - timedelta(days=rng.randint(0, 20))
            self.add("enrolment_pause", (self.next_id("enrolment_pause"), enrolment_id, pause_start,
                                         pause_start + timedelta(days=rng.randint(20, 90)), "sickness", "", lead,
                                         _at(pause_start), _at(pause_start)))
        end = completed_on or withdrawn_on or today
        day, step = start_on + timedelta(days=7), 0
        while day <= end:
            growth = min(1.5, step * 0.3)
            ratings = {code: max(1, min(5, round(2 + growth + rng.uniform(-1, 1))))
                       for code in self.ref.checkin_pillars}
            self.add("confidence_checkin", (self.next_id("confidence_checkin"), enrolment_id, day,
                                            max(1, min(5, round(3 + rng.uniform(-1.4, 1.4)))), ratings, "",
                                            _at(day), _at(day)))
            day, step = day + timedelta(days=91), step + 1
        if completed_on:
            template = self.ref.template
            self.add("programme_completion", (self.next_id("programme_completion"), enrolment_id, user_id, org["id"],
                                              TEMPLATE_SLUG, template.version, template.title,
                                              template.programme_kind, "completed", start_on, completed_on,
                                              preceptor["name"], _at(completed_on), _at(completed_on)))

    def progression(self, user_id: int, org: dict, team: dict, level: str, start_on: date) -> None:
        rng, today = self.rng, self.plan.today
        if level != "pre_registration" and rng.random() > 0.45:
            return
        council = org["kind"] == OrgKind.local_authority and level == "support" and rng.random() < 0.5
        if council:
            pathway, stage, target, step = COUNCIL_PATHWAY, "support_worker", "social_care_practitioner", \
                "support_worker_to_practitioner"
        elif level == "support":
            pathway, stage, target, step = OTA_PATHWAY, "support_worker", "ota", "support_worker_to_ota"
        elif level == "senior_support":
            pathway, stage, target, step = OTA_PATHWAY, "ota", "degree_apprentice", "ota_to_apprenticeship"
        else:
            pathway, stage, target, step = OTA_PATHWAY, "degree_apprentice", "registered_ot", None
        record_id = self.next_id("progression_record")
        self.add("progression_record", (record_id, user_id, org["id"], pathway, "1.0.0", stage, target, "active",
                                        start_on, start_on, _at(start_on), _at(start_on)))
        lead = team["leads"][0]
        if step and rng.random() < 0.15:
            scheduled = today + timedelta(days=rng.randint(-120, 40))
            decided = scheduled <= today
            outcome = rng.choice(["ready", "ready", "not_yet"]) if decided else None
            self.add("progression_panel", (self.next_id("progression_panel"), record_id, step, scheduled,
                                           ["Lead (chair)", "Practice educator"], outcome, "", "",
                                           _at(scheduled) if decided else None, lead if decided else None, lead,
                                           _at(scheduled), _at(scheduled)))
        if stage == "degree_apprentice":
            begun = max(start_on, today - timedelta(days=rng.randint(30, 900)))
            self.add("apprenticeship", (self.next_id("apprenticeship"), record_id, user_id, org["id"],
                                        "University of the South Coast", "Occupational therapist (degree)", begun,
                                        begun + timedelta(days=365 * 3), 1300.0, "active", lead, _at(begun),
                                        _at(begun)))


def generate(plan: Plan, *, write=None, progress: Callable[[int], None] | None = None) -> Summary:
    """Insert the whole dataset in the current session's transaction (the caller commits)."""
    reference = ensure_reference()
    db.session.flush()
    bulk.skip_foreign_key_triggers()
    writer = write or bulk.writer_for_session().write
    generator = Generator(plan, reference, writer)
    orgs = generator.organisations()
    tick = progress or (lambda n: None)
    per_org, extra = divmod(plan.practitioners, plan.organisations)
    for index, org in enumerate(orgs):
        generator.organisation_people(org, index, per_org + (1 if index < extra else 0), tick)
    bulk.reset_sequences([t for t in TABLES if t != "signoff_request_evidence"])
    return generator.summary


def issue_sample_credential() -> str | None:
    """Sign one passport credential for the bench practitioner, for the verify page to check."""
    from competency.passport.issuing import issue_signoff_credential
    from competency.signoff.models import SignOff

    signoff = db.session.scalar(
        sa.select(SignOff).join(User, User.id == SignOff.practitioner_id)
        .where(User.email == f"practitioner@{EMAIL_DOMAIN}").order_by(SignOff.id).limit(1))
    if signoff is None:
        return None
    credential = issue_signoff_credential(signoff)
    return credential.public_id if credential is not None else None
