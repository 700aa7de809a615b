"""Passport benchmark: signing and verifying on one core, and the verify endpoint under gunicorn.

    .venv/bin/python bench/bench_passport.py [--seconds 5] [--json results.json]

1. One core (the process is pinned to CPU 0): credentials signed per second
   (eddsa-rdfc-2022, RDF canonicalisation included); **first-check proofs per
   second** (credentials never seen before, so the proof memo cannot help:
   expansion, canonicalisation, hashing and the signature) beside **Ed25519
   verify alone** on the same bytes and **Digital Bazaar's verifier**
   (``@digitalbazaar/vc``, Node, on the same core) on the same credentials, in
   the same run; remembered re-checks; and full verifications per second
   (signature, dates and the status list) with the list proof cache cold and warm.
2. HTTP: ``POST /api/v1/verify`` with one credential, against a bare Flask
   route, both under the same gunicorn settings (2 sync workers) and the same
   wrk load on loopback, measured in the same run; the ratio is what to quote.
   The credential is issued by the installation itself, as when a recruiter
   verifies on the issuer's own service: its DID document and status lists
   come from the database, the status list proofs from the warm cache.

Needs ``wrk`` (``make bench`` installs it). Leaves nothing running.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DIR_VARIABLE = "BENCH_PASSPORT_DIR"
# --database-url: an empty PostgreSQL database instead of the SQLite file (production's shape).
BENCH_DATABASE_VARIABLE = "BENCH_PASSPORT_DATABASE_URL"


def bare_app():
    """The baseline: a Flask route that does nothing."""
    from flask import Flask

    app = Flask("bare")
    app.add_url_rule("/", "index", lambda: "ok")
    return app


def bench_app():
    """The platform as ``make run`` builds it, on the benchmark's own SQLite file, without rate limits."""
    from competency import create_app
    from config import DevelopmentConfig

    directory = Path(os.environ[BENCH_DIR_VARIABLE])

    class BenchConfig(DevelopmentConfig):
        INSTANCE_DIR = directory
        SECRET_KEY = "benchmark-only-secret"
        IDENTITY_SALT = "benchmark-only-salt"
        SQLALCHEMY_DATABASE_URI = os.environ.get(BENCH_DATABASE_VARIABLE) or f"sqlite:///{directory / 'bench.sqlite'}"
        SIGNING_KEY_DIR = directory / "keys"
        BASE_URL = "http://127.0.0.1:5999"
        RATELIMIT_ENABLED = False

    return create_app(BenchConfig)


# -- one core --------------------------------------------------------------------------------

def _facts(did: str, credential_id: str, status: list):
    from competency.passport import credentials as ob

    return ob.SignOffFacts(
        credential_id=credential_id,
        issuer=ob.IssuerProfile(did=did, name="Bench NHS Trust"),
        holder=ob.Holder("holder@example.org", ob.Registration("HCPC", "OT12345"), "Bench Holder"),
        capability=ob.Capability("0b6b1c9e-58a4-5b3e-9d7f-0a1b2c3d4e5f", "PP-REG-01",
                                 "Carries out an occupational therapy assessment", "Professional practice",
                                 "Shared capability framework 1.0",
                                 "http://127.0.0.1:5999/ims/case/v1p1/CFItems/0b6b1c9e-58a4-5b3e-9d7f-0a1b2c3d4e5f"),
        level=ob.Level("7d1e9c20-1111-5222-8333-444455556666", "Registered practitioner"),
        assessor=ob.Assessor("Bench Assessor", "Occupational therapist", ob.Registration("HCPC", "OT50001")),
        evidence=[ob.EvidenceRecord("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                                    "Direct observation")],
        signed_off_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC), status=status)


def _rate(action, seconds: float) -> float:
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        action(done)
        done += 1
    return done / (time.perf_counter() - started)


def one_core(seconds: float) -> dict:
    from competency.passport import credentials as ob
    from competency.passport.dataintegrity import create_proof, forget_proof_checks, prepare_proof, verify_proof
    from competency.passport.did import DidKey, build_did_document, organisation_did
    from competency.passport.multikey import encode_public_key, generate_private_key
    from competency.passport.statuslist import Bitstring, StatusEntry, StatusPurpose, build_status_list_credential
    from competency.passport.verification import verify_credential

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    key = generate_private_key()
    did = organisation_did("http://127.0.0.1:5999", "bench")
    method = DidKey(encode_public_key(key.public_key())).method_id(did)
    did_document = build_did_document(did, [DidKey(encode_public_key(key.public_key()))])
    url = "http://127.0.0.1:5999/status/message"
    lists = {url: create_proof(build_status_list_credential(
        list_url=url, issuer=did, purpose=StatusPurpose.message, bitstring=Bitstring(2 * 131_072),
        valid_from=datetime(2026, 3, 1, tzinfo=UTC)), key, verification_method=method)}
    status = [StatusEntry.ours(7, url)]

    def sign(n):
        return ob.sign_credential(ob.build_signoff_credential(_facts(did, f"bench-{n}", status)), key,
                                  verification_method=method)

    # Distinct credentials, checked in turn with the proof memo emptied: every check is a first check.
    credentials = [sign(n) for n in range(64)]
    credential = credentials[0]
    public_key = key.public_key()
    prepared = prepare_proof(credential)
    signature, message = prepared.signature, prepared.combined

    def first_proof_check(n):
        forget_proof_checks()
        assert verify_proof(credentials[n % len(credentials)], public_key).is_valid

    def full(n):
        forget_proof_checks()
        result = verify_credential(credentials[n % len(credentials)], resolve_did=lambda _: did_document,
                                   fetch_status_list=lambda url: lists[url])
        assert result.is_valid, result.reasons

    def warm_lists(n):
        # The credential is new to the verifier; the status list's proof is remembered (one list serves many).
        credential_n = credentials[n % len(credentials)]
        forget_proof_checks(credential_n)
        result = verify_credential(credential_n, resolve_did=lambda _: did_document,
                                   fetch_status_list=lambda url: lists[url])
        assert result.is_valid, result.reasons

    sign(0)  # warm pyld's context caches
    figures = {
        "sign_per_second": _rate(sign, seconds),
        "proof_verify_per_second": _rate(first_proof_check, seconds),
        "ed25519_verify_per_second": _rate(lambda _n: public_key.verify(signature, message), seconds),
        "proof_recheck_per_second": _rate(lambda _n: verify_proof(credential, public_key), seconds),
        "full_verify_cold_per_second": _rate(full, seconds),
        "full_verify_warm_per_second": _rate(warm_lists, seconds),
    }
    figures["digital_bazaar_per_second"] = _digital_bazaar(credentials, did_document, seconds)
    return figures


def _digital_bazaar(credentials: list, did_document: dict, seconds: float) -> float | None:
    """Digital Bazaar's verifier on the same credentials, on the same core (None without Node or npm packages)."""
    script = ROOT / "bench" / "js" / "bench-verify.mjs"
    if shutil.which("node") is None or not (ROOT / "node_modules" / "@digitalbazaar" / "vc").exists():
        return None
    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / "credentials.json").write_text(json.dumps(credentials))
        (Path(directory) / "did.json").write_text(json.dumps(did_document))
        completed = subprocess.run(
            ["taskset", "-c", "0", "node", str(script), str(Path(directory) / "credentials.json"),
             str(Path(directory) / "did.json"), str(seconds)] if shutil.which("taskset") else
            ["node", str(script), str(Path(directory) / "credentials.json"), str(Path(directory) / "did.json"),
             str(seconds)], cwd=ROOT, capture_output=True, text=True, timeout=seconds * 4 + 60)
    if completed.returncode != 0:
        print(completed.stderr, file=sys.stderr)
        return None
    report = json.loads(completed.stdout)
    if report["failed"]:
        raise RuntimeError(f"Digital Bazaar's verifier refused {report['failed']} of our credentials")
    return report["proofs_per_second"]


# -- HTTP ------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _seed(directory: Path) -> dict:
    """An organisation, a holder and one issued credential in the benchmark database."""
    os.environ[BENCH_DIR_VARIABLE] = str(directory)
    app = bench_app()
    from competency.accounts.models import Organisation, OrgKind, Sector, User
    from competency.extensions import db
    from competency.passport import credentials as ob
    from competency.passport.issuing import issue_built

    with app.app_context():
        db.create_all()
        organisation = Organisation(slug="bench", name="Bench NHS Trust", kind=OrgKind.nhs_trust,
                                    sector=Sector.health, region="Bench", settings={})
        holder = User(email="holder@example.org", display_name="Bench Holder")
        db.session.add_all([organisation, holder])
        db.session.flush()
        credential = issue_built(organisation, holder.id, lambda did, cid, status: ob.build_signoff_credential(
            _facts(did, cid, status)), by=None)
        document = credential.document
        db.session.commit()
    return document


def _wait_for(port: int, timeout: float = 120) -> None:
    """Until the app answers (the app is preloaded before the workers fork, so both are then ready)."""
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30).close()
            return
        except OSError as error:
            if getattr(error, "code", None):  # any HTTP answer means it is serving
                return
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start on port {port}")


def _gunicorn(app_spec: str, port: int, directory: Path) -> subprocess.Popen:
    env = {**os.environ, BENCH_DIR_VARIABLE: str(directory), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "--workers", "2", "--worker-class", "sync", "--preload",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app_spec],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    _wait_for(port)
    return process


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _warm_up(url: str, credential: dict | None, requests: int = 6) -> None:
    """A few requests one by one, so both workers have loaded the contexts and cached the status lists."""
    import urllib.request

    body = json.dumps({"credential": credential}).encode() if credential else None
    for _ in range(requests):
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as reply:
            assert reply.status == 200
            if credential:
                assert json.load(reply)["results"][0]["outcome"] == "valid"


def _wrk(url: str, seconds: float, script: Path | None = None) -> dict:
    command = ["wrk", "-t2", "-c16", f"-d{max(1, int(seconds))}s", "--timeout", "10s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    if os.environ.get("BENCH_VERBOSE"):
        print(output)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    p50 = re.search(r"50%\s+([\d.]+\w+)", output)
    return {"requests_per_second": rps, "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
            "latency_p50": p50.group(1) if p50 else None}


def http(seconds: float) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: run `make bench`, which installs it.")
    directory = Path(tempfile.mkdtemp(prefix="bench-passport-"))
    try:
        document = _seed(directory)
        script = directory / "verify.lua"
        script.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                          f"wrk.body = {json.dumps(json.dumps({'credential': document}))}\n")
        results = {}
        for name, spec, path, lua in (("bare_flask_route", "bench.bench_passport:bare_app()", "/", None),
                                      ("verify_endpoint", "bench.bench_passport:bench_app()", "/api/v1/verify",
                                       script)):
            port = _free_port()
            process = _gunicorn(spec, port, directory)
            try:
                _warm_up(f"http://127.0.0.1:{port}{path}", lua and document)
                results[name] = _wrk(f"http://127.0.0.1:{port}{path}", seconds, lua)
            finally:
                _stop(process)
        bare_rps = results["bare_flask_route"]["requests_per_second"]
        results["ratio_verify_to_bare"] = (results["verify_endpoint"]["requests_per_second"] / bare_rps
                                           if bare_rps else float("nan"))
        return results
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="Length of each measurement")
    parser.add_argument("--json", type=Path, help="Also write the figures to this file")
    parser.add_argument("--skip-http", action="store_true", help="Only the one-core figures")
    parser.add_argument("--database-url", help="An empty database for the HTTP part (e.g. PostgreSQL, as production "
                                               "runs); default: a SQLite file, as `make run` does")
    args = parser.parse_args()
    if args.database_url:
        os.environ[BENCH_DATABASE_VARIABLE] = args.database_url
    http_figures = None if args.skip_http else http(args.seconds)  # before pinning this process to one core
    core = one_core(args.seconds)
    print("Passport benchmark")
    bazaar = core["digital_bazaar_per_second"]
    print(f"  one core: {core['proof_verify_per_second']:.1f} first-check proofs/s | "
          f"Ed25519 verify alone {core['ed25519_verify_per_second']:.1f}/s | "
          f"Digital Bazaar's verifier {f'{bazaar:.1f}/s' if bazaar else 'not run (needs node and npm install)'} "
          "(same credentials, same run)")
    print(f"  one core: {core['sign_per_second']:.1f} credentials signed/s, "
          f"{core['proof_recheck_per_second']:.1f} re-checks/s (same credential again, remembered)")
    print(f"  one core: {core['full_verify_cold_per_second']:.1f} full first-check verifications/s (status list "
          f"proof checked every time), {core['full_verify_warm_per_second']:.1f}/s (status list proof remembered)")
    if http_figures:
        bare, verify = http_figures["bare_flask_route"], http_figures["verify_endpoint"]
        where = "PostgreSQL" if args.database_url else "SQLite file"
        print(f"  gunicorn, 2 sync workers, wrk -t2 -c16 on loopback ({where}):")
        print(f"    bare Flask route      {bare['requests_per_second']:>9.1f} requests/s (p50 {bare['latency_p50']})")
        print(f"    POST /api/v1/verify   {verify['requests_per_second']:>9.1f} requests/s (p50 "
              f"{verify['latency_p50']}, non-2xx {verify['non_2xx']})")
        print(f"    ratio verify / bare   {http_figures['ratio_verify_to_bare']:.3f}")
    if args.json:
        args.json.write_text(json.dumps({"one_core": core, "http": http_figures}, indent=2))


if __name__ == "__main__":
    main()
