"""The progression blueprint object and what its views share: loading, authorising, action links."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from competency.accounts.models import Role
from competency.accounts.policies import has_any_role
from competency.blueprints.guards import require_allowed, require_visible
from competency.blueprints.navigation import add_nav_item
from competency.progression import policies, queries
from competency.progression.models import Apprenticeship, ProgressionRecord
from competency.progression.readiness import CriterionResult
from competency.progression.specs import CriterionKind
from competency.reminders.planning import local_today

bp = Blueprint("progression", __name__, url_prefix="/progression")
add_nav_item("progression.my_progression", "Progression",
             lambda user: has_any_role(user, Role.practitioner, Role.lead, Role.admin), order=45)


@bp.app_context_processor
def _progression_policies():
    return {"progression_policies": policies}


def today() -> date:
    return local_today()


def load_record(record_id: int) -> ProgressionRecord:
    """The record, or 404 when the caller is neither the person nor one of their organisation's leads."""
    record = queries.record_with_people(record_id)
    if record is None:
        abort(404)
    require_visible(policies.can_view_record(current_user, record))
    return record


def managed_record(record_id: int) -> ProgressionRecord:
    """A record the caller manages (403 for the person themselves)."""
    record = load_record(record_id)
    require_allowed(policies.can_manage_record(current_user, record))
    return record


def load_apprenticeship(apprenticeship_id: int) -> Apprenticeship:
    apprenticeship = queries.apprenticeship_detail(apprenticeship_id)
    if apprenticeship is None:
        abort(404)
    require_visible(policies.can_view_apprenticeship(current_user, apprenticeship))
    return apprenticeship


def managed_apprenticeship(apprenticeship_id: int) -> Apprenticeship:
    apprenticeship = load_apprenticeship(apprenticeship_id)
    require_allowed(policies.can_manage_apprenticeship(current_user, apprenticeship))
    return apprenticeship


# Pages of other areas a criterion can link to: (endpoint, name of the capability
# argument). An area that is not installed is skipped.
EVIDENCE_PAGES = (("evidence.new_evidence", "capability"),)
SIGNOFF_PAGES = (("progress.new_request", "capability_id"),)
CAPABILITY_PAGES = (("progress.show_capability", "capability_id"),)


def first_url(pages: tuple[tuple[str, str], ...], capability_uuid: str | None = None, **values) -> str | None:
    for endpoint, argument in pages:
        if endpoint in current_app.view_functions:
            if capability_uuid:
                values = {**values, argument: capability_uuid}
            try:
                return url_for(endpoint, **values)
            except BuildError:
                continue
    return None


def criterion_links(result: CriterionResult, *, is_own: bool, framework: str) -> list[tuple[str, str]]:
    """(label, url) actions that help the person meet ``result`` (shown to the person themselves)."""
    if result.is_met or not is_own or result.criterion.kind is not CriterionKind.evidence_count:
        return []
    kind = result.criterion.evidence_kind
    url = first_url(EVIDENCE_PAGES, kind=kind) if kind else first_url(EVIDENCE_PAGES)
    label = f"Log a {kind.replace('_', ' ')}" if kind else "Log evidence"
    return [(label, url)] if url else []


def capability_links(capability_uuid: str, *, is_own: bool, framework: str) -> list[tuple[str, str]]:
    """Links for one missing capability: request sign-off, log evidence, read what it asks for."""
    links = []
    if is_own:
        for label, pages in (("Request sign-off", SIGNOFF_PAGES), ("Log evidence", EVIDENCE_PAGES)):
            url = first_url(pages, capability_uuid)
            if url:
                links.append((label, url))
    url = first_url(CAPABILITY_PAGES, capability_uuid) if is_own else None
    url = url or first_url((("frameworks.show_capability", "identifier"),), capability_uuid, slug=framework)
    if url:
        links.append(("What it asks for", url))
    return links
