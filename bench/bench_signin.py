"""Sign-in timing: does a wrong password for a real account take as long as an unknown address?

    .venv/bin/python bench/bench_signin.py [--attempts 15]

Posts the real sign-in form through the app (test client, production argon2 cost, rate limits
off so no attempt is refused early) for three kinds of attempt, interleaved so machine load
hits them alike, and prints the median time of each and the unknown/known ratio. Before the
fix an unknown address skipped the hash: about 25 ms against 440 ms.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "correct-horse-battery"


def build_app(directory: Path):
    from competency import create_app
    from config import TestingConfig

    class BenchConfig(TestingConfig):
        INSTANCE_DIR = directory
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{directory / 'signin.sqlite'}"
        PASSWORD_HASH_FAST = False  # the production cost
        RATELIMIT_ENABLED = False

    return create_app(BenchConfig)


def attempt(client, email: str, password: str) -> float:
    page = client.get("/login").get_data(as_text=True)
    token = CSRF.search(page).group(1)
    started = time.perf_counter()
    client.post("/login", data={"csrf_token": token, "email": email, "password": password})
    elapsed = time.perf_counter() - started
    client.post("/logout", data={"csrf_token": token})
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(Path(tmp))
        from competency.accounts.services import create_user
        from competency.extensions import db

        with app.app_context():
            db.create_all()
            create_user("known@bench.example.org", "Known Person", password=PASSWORD)
            db.session.commit()
        kinds = {"known address, wrong password": ("known@bench.example.org", "not-the-password"),
                 "unknown address": ("nobody@bench.example.org", "not-the-password"),
                 "known address, right password": ("known@bench.example.org", PASSWORD)}
        times: dict[str, list[float]] = {kind: [] for kind in kinds}
        client = app.test_client()
        for kind, (email, password) in kinds.items():  # warm-up: the first dummy hash is made here
            attempt(client, email, password)
        for _ in range(args.attempts):
            for kind, (email, password) in kinds.items():
                times[kind].append(attempt(client, email, password))
    medians = {kind: statistics.median(values) for kind, values in times.items()}
    for kind, value in medians.items():
        print(f"{kind:<32} median {value * 1000:7.1f} ms over {args.attempts} attempts")
    ratio = medians["unknown address"] / medians["known address, wrong password"]
    print(f"unknown / known (wrong password): {ratio:.2f} (within 20% when between 0.80 and 1.20)")


if __name__ == "__main__":
    main()
