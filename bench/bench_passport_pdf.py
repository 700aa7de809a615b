"""Passport PDF benchmark: serving the stored PDF of a holder with 50 sign-offs, and rendering it in the background.

    .venv/bin/python bench/bench_passport_pdf.py [--signoffs 50] [--repeats 10] [--json PATH] [--profile]

Builds a throwaway installation (SQLite in a temporary directory, the shipped framework published),
two holders with ``--signoffs`` capabilities signed off and their credentials issued, then measures
``GET /passport/passport.pdf`` through the app as the holder would, and the worker's task
(``worker.tasks.render_passport_pdf``, called in-process as the worker calls it):

- *cold*: the first download in a fresh process with nothing stored: rendered in the request, WeasyPrint's
  import and font set-up included (what a holder waits for when the worker is down or behind);
- *render*: the background render of the other holder's PDF (read, render, store), ``--repeats`` times;
- *serve*: downloads of the stored PDF, ``--repeats`` times (the target: under a second);
- *stale*: a download after a change the worker has not rendered yet (rendered in the request, warm);
- *changed*: after one more sign-off and its background render, the download served from the store.

Prints median and worst, wall and CPU seconds, and whether the PDF declares PDF/UA-1 and is tagged;
``--json PATH`` writes serve_ms_median, serve_ms_worst, render_ms_median, cold_ms and signoffs (and a
few more) for ``make bench``. Leaves nothing behind.
"""
from __future__ import annotations

import argparse
import json
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
        # No worker here: renders are not queued (eager mode skips them); the bench runs the task itself.
        CELERY_TASK_ALWAYS_EAGER = True
        CELERY_BROKER_URL = "memory://"
        CELERY_RESULT_BACKEND = "cache+memory://"

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


CPU_TIMES: list[float] = []


def timed(call):
    """Wall-clock seconds for ``call()`` and its result; its CPU seconds are appended to CPU_TIMES
    (on a shared machine the CPU time is the steadier figure of what it costs)."""
    started, started_cpu = time.perf_counter(), time.process_time()
    result = call()
    elapsed = time.perf_counter() - started
    CPU_TIMES.append(time.process_time() - started_cpu)
    return elapsed, result


def download(client) -> bytes:
    response = client.get("/passport/passport.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf", response.status_code
    return response.data


def signed_in(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": "bench-password-1"})
    assert response.status_code == 302, "could not sign in"
    return client


def render_in_background(app, holder_id: int, *, force: bool = False) -> bool:
    """The worker's task, in-process. ``force``: as if something it shows had changed (same content)."""
    from competency.extensions import db
    from competency.passport import pdf_store
    from competency.passport.models import PassportPdf
    from worker.tasks import render_passport_pdf

    with app.app_context():
        if force:
            db.session.execute(db.update(PassportPdf).where(PassportPdf.holder_id == holder_id)
                               .values(content_key=None))
            pdf_store.owe([holder_id])
            db.session.commit()
        return render_passport_pdf.run(holder_id)


def stored_pdf(app, holder_id: int) -> bytes | None:
    from competency.extensions import db
    from competency.passport.models import PassportPdf

    with app.app_context():
        row = db.session.get(PassportPdf, holder_id)
        return row.pdf if row is not None else None


def _stats(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), max(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signoffs", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--json", metavar="PATH", help="also write the figures to PATH as a JSON object")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one background render and stop")
    args = parser.parse_args()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as directory:
        app = build_app(Path(directory))
        started = time.perf_counter()
        facts = seed(app, args.signoffs)
        print(f"seeded 2 holders x {args.signoffs} sign-offs (credentials issued) in {time.perf_counter() - started:.1f} s")
        first_holder, second_holder = (signed_in(app, f"holder{n}@bench.example.org") for n in (1, 2))
        holder = facts["holders"][1]

        cold, pdf = timed(lambda: download(first_holder))
        cold_cpu = CPU_TIMES[-1]
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(render_in_background, app, holder)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
            return

        del CPU_TIMES[:]
        renders = []
        for n in range(args.repeats):
            elapsed, rendered = timed(lambda: render_in_background(app, holder, force=n > 0))
            assert rendered, "the task did not render"
            renders.append(elapsed)
        render_cpu = list(CPU_TIMES)

        del CPU_TIMES[:]
        serves = []
        for _ in range(args.repeats):
            elapsed, served = timed(lambda: download(second_holder))
            assert served == stored_pdf(app, holder), "the download did not serve the stored PDF"
            serves.append(elapsed)
        serve_cpu = list(CPU_TIMES)

        stale, stale_cpu, changed, changed_cpu = [], [], [], []
        for _ in range(min(3, args.repeats)):
            with app.app_context():
                _one_more_signoff(facts)
            del CPU_TIMES[:]
            elapsed, _ = timed(lambda: download(second_holder))  # before the worker got to it
            stale.append(elapsed)
            stale_cpu.append(CPU_TIMES[-1])
            with app.app_context():
                _one_more_signoff(facts)
            render_in_background(app, holder)
            del CPU_TIMES[:]
            elapsed, served = timed(lambda: download(second_holder))
            assert served == stored_pdf(app, holder), "the download did not serve the stored PDF"
            changed.append(elapsed)
            changed_cpu.append(CPU_TIMES[-1])

        load = os.getloadavg()[0]
        print(f"PDF with {args.signoffs} sign-offs ({len(pdf) // 1024} KiB):")
        print(f"  (load average {load:.1f} on {os.cpu_count()} CPUs while measuring; wall s / CPU s)")
        print(f"  cold (first download, fresh process, nothing stored)    {cold:6.3f} / {cold_cpu:6.3f}")
        print(f"  background render (task): median                         {statistics.median(renders):6.3f} / "
              f"{statistics.median(render_cpu):6.3f}, worst {max(renders):.3f} ({len(renders)} runs)")
        print(f"  download, PDF stored: median                             {statistics.median(serves):6.3f} / "
              f"{statistics.median(serve_cpu):6.3f}, worst {max(serves):.3f} ({len(serves)} runs)")
        print(f"  download before the worker rendered a change: median     {statistics.median(stale):6.3f} / "
              f"{statistics.median(stale_cpu):6.3f} ({len(stale)} runs)")
        print(f"  download after a change and its background render        {statistics.median(changed):6.3f} / "
              f"{statistics.median(changed_cpu):6.3f} ({len(changed)} runs)")
        print(f"  {_pdfinfo(pdf)}")
        if args.json:
            figures = {
                "signoffs": args.signoffs,
                "serve_ms_median": round(statistics.median(serves) * 1000, 1),
                "serve_ms_worst": round(max(serves) * 1000, 1),
                "render_ms_median": round(statistics.median(renders) * 1000, 1),
                "cold_ms": round(cold * 1000, 1),
                "stale_download_ms_median": round(statistics.median(stale) * 1000, 1),
                "changed_serve_ms_median": round(statistics.median(changed) * 1000, 1),
                "pdf_kib": len(pdf) // 1024,
                "repeats": args.repeats,
                "load_average": round(load, 2),
            }
            Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
            print(f"  figures written to {args.json}")


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
