"""Grants, placements and preceptor records: the cross-organisation workforce pages."""
