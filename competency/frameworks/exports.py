"""One place that turns a stored version into a downloadable file."""
from __future__ import annotations

from competency.frameworks import queries
from competency.frameworks.case import dumps, export_package
from competency.frameworks.models import FrameworkVersion
from competency.frameworks.moodle import framework_to_moodle_csv
from competency.frameworks.yaml_export import framework_to_yaml

# format -> (MIME type, file extension)
FORMATS = {
    "case": ("application/json", "json"),
    "moodle-csv": ("text/csv", "csv"),
    "yaml": ("application/yaml", "yaml"),
}


def case_package(version: FrameworkVersion, *, base_url: str) -> dict:
    kept = [(association.position, association.data) for association in getattr(version, "kept_associations", [])]
    kept_ids = {(row.kind, row.ref): row.identifier for row in getattr(version, "kept_identifiers", [])}
    return export_package(queries.version_spec(version), queries.version_state(version), base_url=base_url,
                          externals=queries.external_specs(), kept=kept, external_ids=queries.external_item_ids(),
                          kept_ids=kept_ids)


def render(version: FrameworkVersion, fmt: str, *, base_url: str) -> str:
    if fmt == "case":
        return dumps(case_package(version, base_url=base_url))
    spec = queries.version_spec(version)
    if fmt == "moodle-csv":
        return framework_to_moodle_csv(spec, queries.external_specs())
    if fmt == "yaml":
        return framework_to_yaml(spec)
    raise ValueError(f"unknown export format {fmt!r}")


def filename(version: FrameworkVersion, fmt: str) -> str:
    return f"{version.framework.slug}-{version.version}.{FORMATS[fmt][1]}"
