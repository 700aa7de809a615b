"""Capability frameworks: shipped YAML data, validation, versions, CASE and Moodle exchange."""
