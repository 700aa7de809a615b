"""Where a ``POST /api/v1/verify`` request spends its time, in-process (no HTTP server, no wrk).

    .venv/bin/python bench/profile_verify.py [--requests 2000] [--profile]

Times, per call after a warm-up: the whole request through Flask's test client, the parts of the
check (bounded JSON parse, digest, the ``issued_here`` lookup, ``check_payload``), this app's
``/healthz`` and a bare Flask route; ``--profile`` adds a cProfile of the request, by own time.
The credential is issued by the benchmark's own installation, as in ``bench_passport.py``.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import bench_passport  # noqa: E402


def per_call_ms(action, calls: int) -> float:
    for _ in range(50):
        action()
    started = time.perf_counter()
    for _ in range(calls):
        action()
    return (time.perf_counter() - started) / calls * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    document = bench_passport._seed(Path(tempfile.mkdtemp(prefix="competency-profile-")))
    app = bench_passport.bench_app()
    client = app.test_client()
    body = json.dumps({"credential": document})

    def verify():
        response = client.post("/api/v1/verify", data=body, content_type="application/json")
        assert response.status_code == 200, response.get_data(as_text=True)[:300]

    from competency import bounded_json
    from competency.passport import freshness, verifying
    from competency.passport.dataintegrity import document_digest

    bare = bench_passport.bare_app().test_client()
    rows = [("POST /api/v1/verify (whole request)", per_call_ms(verify, args.requests))]
    with app.app_context():
        digest = document_digest(document).hex()
        rows += [("  bounded JSON parse", per_call_ms(lambda: bounded_json.loads(body), args.requests)),
                 ("  digest of the document", per_call_ms(lambda: document_digest(document), args.requests)),
                 ("  issued_here lookup", per_call_ms(lambda: freshness.issued_here(digest), args.requests)),
                 ("  check_payload (the whole check)",
                  per_call_ms(lambda: verifying.check_payload(document), args.requests))]
    rows += [("GET /healthz (this app)", per_call_ms(lambda: client.get("/healthz"), args.requests)),
             ("GET / (a bare Flask route)", per_call_ms(lambda: bare.get("/"), args.requests))]
    print("Per call, in-process (ms):")
    for label, value in rows:
        print(f"  {label:<40} {value:7.3f}")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(min(args.requests, 500)):
            verify()
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
