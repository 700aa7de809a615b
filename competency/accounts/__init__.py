"""Users, organisations, memberships and employment."""
