"""Demo data. Each area adds an idempotent step to ``SEED_STEPS`` (run in order)."""
