"""A competency framework CSV from Moodle's "Export competency framework" tool, brought in.

The file is read with the importer's own rules (one framework row with "Is framework"
set, then competencies, each naming its parent by ID number) and turned into a CASE
package: the framework row becomes the CFDocument, each competency a CFItem whose
type is the framework's taxonomy term for its depth, ``isChildOf`` associations
give the tree and "Cross-referenced competency ID numbers" become ``isRelatedTo``.
Moodle has no global identifiers, so each one is derived from the framework and
competency ID numbers: importing the same file again gives the same identifiers.

From there it is an ordinary reference framework; :func:`import_moodle_csv` also
creates a draft from the proposed mapping (the editor can re-map on the page).
"""
from __future__ import annotations

import csv
import io
import re
from html import unescape
from typing import Any

from competency.accounts.models import User
from competency.frameworks import case_mapping, case_reference
from competency.frameworks import identifiers as ids
from competency.frameworks.case import CaseFormatError, iso_datetime
from competency.frameworks.errors import FrameworkFileInvalid
from competency.frameworks.moodle import MOODLE_HEADERS
from competency.db import utcnow

REQUIRED = ("Parent ID number", "ID number", "Short name", "Description", "Is framework", "Taxonomy")
TAG_RE = re.compile(r"<[^>]+>")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(TAG_RE.sub(" ", html or ""))).strip()


def read_rows(data: bytes, source: str) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FrameworkFileInvalid([f"{source}: the file is not UTF-8 text"]) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
    if missing:
        raise FrameworkFileInvalid([f"{source}:1: missing Moodle column(s): {', '.join(missing)} "
                                    f"(expected the columns {', '.join(MOODLE_HEADERS)})"])
    return [{key: (value or "").strip() for key, value in row.items() if key} for row in reader]


def to_package(rows: list[dict[str, str]], source: str) -> dict[str, Any]:
    problems: list[str] = []
    frameworks = [(n, r) for n, r in enumerate(rows, start=2) if r.get("Is framework") == "1"]
    if len(frameworks) != 1:
        raise FrameworkFileInvalid([f"{source}: a Moodle framework file has exactly one row with 'Is framework' set to 1 "
                                    f"(found {len(frameworks)})"])
    line, framework = frameworks[0]
    framework_id = framework.get("ID number") or framework.get("Short name")
    if not framework_id:
        problems.append(f"{source}:{line}: the framework row needs an ID number")
    taxonomy = [t.strip() for t in (framework.get("Taxonomy") or "").split(",") if t.strip()] or ["competency"]
    competencies = [(n, r) for n, r in enumerate(rows, start=2) if r.get("Is framework") != "1"]
    by_idnumber: dict[str, int] = {}
    for n, row in competencies:
        idnumber = row.get("ID number")
        if not idnumber:
            problems.append(f"{source}:{n}: every competency needs an ID number")
        elif idnumber in by_idnumber:
            problems.append(f"{source}:{n}: ID number '{idnumber}' is used twice (first on line {by_idnumber[idnumber]})")
        else:
            by_idnumber[idnumber] = n
        parent = row.get("Parent ID number")
        if parent and parent not in {r.get("ID number") for _, r in competencies}:
            problems.append(f"{source}:{n}: parent '{parent}' is not a competency in this file")
    if problems:
        raise FrameworkFileInvalid(problems)
    when = iso_datetime(utcnow())
    doc_id = ids._uuid(f"moodle:{framework_id}")

    def item_id(idnumber: str) -> str:
        return ids._uuid(f"moodle:{framework_id}/{idnumber}")

    parents = {r["ID number"]: r.get("Parent ID number", "") for _, r in competencies}

    def depth(idnumber: str) -> int:
        hops, node = 1, idnumber
        while parents.get(node) and hops < 50:
            node, hops = parents[node], hops + 1
        return hops

    document = {"identifier": doc_id, "uri": f"urn:moodle:framework:{framework_id}", "creator": "Moodle",
                "title": framework.get("Short name") or framework_id, "lastChangeDateTime": when,
                "description": _text(framework.get("Description", ""))}
    doc_link = {"title": document["title"], "identifier": doc_id, "uri": document["uri"]}
    items, associations = [], []
    for position, (_, row) in enumerate(competencies, start=1):
        idnumber = row["ID number"]
        identifier = item_id(idnumber)
        term = taxonomy[min(depth(idnumber), len(taxonomy)) - 1]
        entry = {"identifier": identifier, "uri": f"urn:moodle:competency:{framework_id}:{idnumber}",
                 "fullStatement": row.get("Short name") or idnumber, "humanCodingScheme": idnumber,
                 "listEnumeration": str(position), "CFItemType": term.capitalize(), "lastChangeDateTime": when}
        description = _text(row.get("Description", ""))
        if description:
            entry["notes"] = description
        items.append(entry)
        link = {"title": entry["fullStatement"], "identifier": identifier, "uri": entry["uri"]}
        parent = row.get("Parent ID number")
        target = ({"title": parent, "identifier": item_id(parent), "uri": f"urn:moodle:competency:{framework_id}:{parent}"}
                  if parent else doc_link)
        associations.append(_association(doc_id, "isChildOf", link, target, when))
        for related in [r.strip() for r in (row.get("Cross-referenced competency ID numbers") or "").split(",") if r.strip()]:
            other = {"title": related, "identifier": item_id(related), "uri": f"urn:moodle:competency:{framework_id}:{related}"}
            associations.append(_association(doc_id, "isRelatedTo", link, other, when))
    return {"CFDocument": document, "CFItems": items, "CFAssociations": associations}


def _association(doc_id: str, kind: str, origin: dict, destination: dict, when: str) -> dict[str, Any]:
    identifier = ids.association_uuid(doc_id, kind, origin["identifier"], destination["identifier"])
    return {"identifier": identifier, "uri": f"urn:moodle:association:{identifier}", "associationType": kind,
            "originNodeURI": origin, "destinationNodeURI": destination, "lastChangeDateTime": when}


def import_moodle_csv(data: bytes, *, source: str, by: User | None, draft: bool = True):
    """Keep the Moodle framework as a reference framework and (``draft``) make a draft from the proposed mapping.

    :returns: (the draft version or the reference document, notes)
    :raises FrameworkFileInvalid: with one "file:line: problem" per problem.
    """
    package = to_package(read_rows(data, source), source)
    try:
        document, notes = case_reference.store_package(package, source=source, by=by)
    except CaseFormatError as exc:
        raise FrameworkFileInvalid(exc.problems) from None
    if not draft:
        return document, notes
    return case_mapping.create_draft(document, case_mapping.propose(document), by=by), notes
