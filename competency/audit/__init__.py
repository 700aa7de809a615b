"""Append-only audit log: HMAC-chained per organisation, placed at commit, anchored outside the database."""
