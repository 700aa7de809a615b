"""Passport PDF benchmark: time to produce the PDF of a holder with 50 sign-offs, cold and warm.

    .venv/bin/python bench/bench_passport_pdf.py [--signoffs 50] [--repeats 10]

Builds a throwaway installation (SQLite in a temporary directory, the shipped framework published),
one holder with ``--signoffs`` capabilities signed off and their credentials issued, then requests
``GET /passport/passport.pdf`` through the app as the holder would:

- *cold*: the first PDF in a fresh process (WeasyPrint's import and font set-up included);
- *first*: the first PDF for this set of credentials in a warm process (another holder's PDF was
  made first, so only the rendering of this one counts);
- *warm*: the same PDF again (the per-credential-set cache, see competency/passport/pdf.py);
- *changed*: after one more sign-off, so the set differs and the PDF is rendered again.

Prints the median and worst of ``--repeats`` runs for the repeated cases, and whether the PDF
declares PDF/UA-1 and is tagged. Leaves nothing behind.
"""
from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_app(directory: Path):
    from competency import create_app
    from config import DevelopmentConfig

    class BenchConfig(DevelopmentConfig):
        INSTANCE_DIR = directory
        SECRET_KEY = "benchmark-only-secret"
        IDENTITY_SALT = "benchmark-only-salt"
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{directory / 'bench.sqlite'}"
        SIGNING_KEY_DIR = directory / "keys"
        UPLOAD_STORAGE = directory / "uploads"
        MAIL_FILE_DIR = directory / "mail"
        WTF_CSRF_ENABLED = False
        RATELIMIT_ENABLED = False
        PASSWORD_HASH_FAST = True

    return create_app(BenchConfig)


def seed(app, signoffs: int) -> dict:
    """The shipped framework, a council, a preceptor and two holders with ``signoffs`` sign-offs each."""
    from datetime import date

    from competency.accounts.models import Employment, Membership, Organisation, OrgKind, Role, Sector, User
    from competency.accounts.passwords import hash_password
    from competency.evidence.models import EvidenceKind
    from competency.evidence.services import create_evidence
    from competency.extensions import db
    from competency.frameworks import services as framework_services
    from competency.frameworks.loading import SHIPPED_DATA, load_path
    from competency.frameworks.models import Capability, Level
    from competency.passport.issuing import ensure_issued
    from competency.signoff import services as signoff_services
    from competency.signoff.models import Outcome

    with app.app_context():
        db.create_all()
        for version in framework_services.import_loaded(load_path(SHIPPED_DATA), by=None).versions:
            framework_services.publish_version(version, by=None)
        org = Organisation(slug="bench-council", name="Bench County Council", kind=OrgKind.local_authority,
                           sector=Sector.social_care, region="Bench")
        db.session.add(org)

        def person(email, name, role, level, registered=False):
            user = User(email=email, display_name=name, password_hash=hash_password("bench-password-1"),
                        profession="Occupational therapist",
                        registration_body="HCPC" if registered else None,
                        registration_number=f"OT{abs(hash(email)) % 100000:05d}" if registered else None,
                        registered_on=date(2010, 1, 1) if registered else None)
            db.session.add(user)
            db.session.add(Membership(user=user, organisation=org, role=role))
            db.session.add(Employment(user=user, organisation=org, role_title=name, level_code=level,
                                      start_on=date(2020, 1, 1), fte=1.0))
            return user

        assessor = person("assessor@bench.example.org", "Tom Assessor", Role.preceptor, "consultant", True)
        holders = [person(f"holder{n}@bench.example.org", f"Holder {n}", Role.practitioner, "registered")
                   for n in (1, 2)]
        db.session.flush()
        capabilities = list(db.session.scalars(
            db.select(Capability).join(Level, Capability.level_id == Level.id).order_by(Capability.position)))
        for holder in holders:
            for capability in capabilities[:signoffs]:
                evidence = create_evidence(holder, kind=EvidenceKind.reflection, title=f"Evidence for {capability.code}",
                                           occurred_on=date(2026, 10, 1), text="What I did and learned.",
                                           capability_uuids=[capability.uuid])
                request = signoff_services.request_signoff(holder, capability, [evidence], assessor)
                signoff_services.decide(request, assessor, Outcome.sign, "Well evidenced.")
            ensure_issued(holder)
        db.session.commit()
        return {"holders": [h.id for h in holders], "assessor": assessor.id, "extra": capabilities[signoffs].uuid}


def pdf_seconds(client) -> tuple[float, bytes]:
    """Wall-clock seconds for one download, and the PDF; CPU seconds are collected in CPU_TIMES
    (on a shared machine the CPU time is the steadier figure of what a download costs)."""
    started, started_cpu = time.perf_counter(), time.process_time()
    response = client.get("/passport/passport.pdf")
    elapsed = time.perf_counter() - started
    CPU_TIMES.append(time.process_time() - started_cpu)
    assert response.status_code == 200 and response.mimetype == "application/pdf", response.status_code
    return elapsed, response.data


CPU_TIMES: list[float] = []


def signed_in(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": "bench-password-1"})
    assert response.status_code == 302, "could not sign in"
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signoffs", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one warm render and stop")
    args = parser.parse_args()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as directory:
        app = build_app(Path(directory))
        started = time.perf_counter()
        facts = seed(app, args.signoffs)
        print(f"seeded 2 holders x {args.signoffs} sign-offs (credentials issued) in {time.perf_counter() - started:.1f} s")
        first_holder, second_holder = (signed_in(app, f"holder{n}@bench.example.org") for n in (1, 2))
        cold, pdf = pdf_seconds(first_holder)
        cold_cpu = CPU_TIMES[-1]
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(pdf_seconds, second_holder)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
            return
        first, _ = pdf_seconds(second_holder)
        first_cpu = CPU_TIMES[-1]
        del CPU_TIMES[:]
        warm = [pdf_seconds(second_holder)[0] for _ in range(args.repeats)]
        warm_cpu = list(CPU_TIMES)
        changed, changed_cpu = [], []
        for _ in range(min(3, args.repeats)):
            with app.app_context():
                _one_more_signoff(facts)
            changed.append(pdf_seconds(second_holder)[0])
            changed_cpu.append(CPU_TIMES[-1])
        load = os.getloadavg()[0]
        print(f"PDF with {args.signoffs} sign-offs ({len(pdf) // 1024} KiB):")
        print(f"  (load average {load:.1f} on {os.cpu_count()} CPUs while measuring; wall s / CPU s)")
        print(f"  cold (first PDF in a fresh process)    {cold:6.3f} / {cold_cpu:6.3f}")
        print(f"  first for this credential set (warm)   {first:6.3f} / {first_cpu:6.3f}")
        print(f"  again, same set (cached): median       {statistics.median(warm):6.3f} / "
              f"{statistics.median(warm_cpu):6.3f}, worst {max(warm):.3f} ({len(warm)} runs)")
        print(f"  after one more sign-off: median        {statistics.median(changed):6.3f} / "
              f"{statistics.median(changed_cpu):6.3f} ({len(changed)} runs)")
        print(f"  {_pdfinfo(pdf)}")


def _pdfinfo(pdf: bytes) -> str:
    """Pages, tagging and the declared subtype, as poppler's pdfinfo reads them."""
    import shutil
    import subprocess

    if not shutil.which("pdfinfo"):
        return "pdfinfo not installed (poppler-utils): tagging not checked"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True, check=True).stdout
    wanted = ("Pages", "Tagged", "PDF subtype", "Title", "PDF version")
    return "; ".join(line.strip() for line in info.splitlines() if line.split(":")[0] in wanted)


def _one_more_signoff(facts: dict) -> None:
    from datetime import date

    from competency.accounts.models import User
    from competency.evidence.models import EvidenceKind
    from competency.evidence.services import create_evidence
    from competency.extensions import db
    from competency.frameworks.models import Capability
    from competency.passport.issuing import ensure_issued
    from competency.signoff import services as signoff_services
    from competency.signoff.models import Outcome, SignOff

    holder = db.session.get(User, facts["holders"][1])
    assessor = db.session.get(User, facts["assessor"])
    signed = set(db.session.scalars(db.select(SignOff.capability_uuid).where(SignOff.practitioner_id == holder.id)))
    capability = db.session.scalars(db.select(Capability).where(Capability.uuid.not_in(signed))
                                    .order_by(Capability.position)).first()
    evidence = create_evidence(holder, kind=EvidenceKind.reflection, title=f"Evidence for {capability.code}",
                               occurred_on=date(2026, 10, 1), text="More.", capability_uuids=[capability.uuid])
    request = signoff_services.request_signoff(holder, capability, [evidence], assessor)
    signoff_services.decide(request, assessor, Outcome.sign, "Well evidenced.")
    ensure_issued(holder)
    db.session.commit()


if __name__ == "__main__":
    main()
