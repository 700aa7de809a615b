"""Passport routes: the holder's pages, shares, imports, trust list, keys, the public verify pages and the API."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from tests.access.matrix import Case, owner_only

# The trust list is the installation's: kept by trust-list managers (a platform role). Organisation
# administrators, home or foreign, are refused like everyone else.
NOT_TRUST_MANAGER = {role: 403 for role in ("practitioner", "peer", "preceptor", "lead", "admin", "foreign_preceptor",
                                           "foreign_lead", "foreign_admin", "analyst", "editor")}
LEADS = {"lead": 200, "admin": 200, "foreign_lead": 200, "foreign_admin": 200}
# Imports at the home organisation: the holder and home leads see them; nobody else knows they exist.
IMPORT_VISIBLE = {"practitioner": 200, "lead": 200, "admin": 200}
IMPORT_HIDDEN = {role: 404 for role in ("peer", "preceptor", "foreign_preceptor", "foreign_lead", "foreign_admin",
                                       "analyst", "editor")}
DECIDERS = {**IMPORT_HIDDEN, "practitioner": 403, "lead": 302, "admin": 302}


def _expires() -> str:
    return (date.today() + timedelta(days=10)).isoformat()


CASES = [
    Case("passport.index", lambda w: "/passport/"),
    Case("passport.download_bundle", lambda w: "/passport/bundle.json"),
    Case("passport.download_pdf", lambda w: "/passport/passport.pdf"),
    Case("passport.shares", lambda w: "/passport/shares"),
    Case("passport.new_share", lambda w: "/passport/shares/new"),
    Case("passport.create_share", lambda w: "/passport/shares", method="POST",
         data=lambda w: {"credential_ids": [str(w.passport_credential.id)], "expires_on": _expires()},
         expect={"practitioner": 200}, default=400),
    Case("passport.share_detail", lambda w: f"/passport/shares/{w.share.id}", expect=owner_only()),
    Case("passport.revoke_share", lambda w: f"/passport/shares/{w.share.id}/revoke", method="POST",
         expect=owner_only(practitioner=302)),
    Case("passport.trust_list", lambda w: "/passport/trust-list", expect={**NOT_TRUST_MANAGER,
                                                                          "trust_list_manager": 200}),
    Case("passport.add_trusted_issuer", lambda w: "/passport/trust-list", method="POST",
         data=lambda w: {"name": "North Trust", "did": "did:web:north.example.org:orgs:north",
                         "sector": "health"},
         expect={**NOT_TRUST_MANAGER, "trust_list_manager": 302}),
    Case("passport.remove_trusted_issuer", lambda w: f"/passport/trust-list/{w.trusted_issuer.id}/remove",
         method="POST", expect={**NOT_TRUST_MANAGER, "trust_list_manager": 302}),
    Case("passport.organisation_keys", lambda w: f"/passport/organisations/{w.home.id}/keys",
         expect={role: 404 for role in ("practitioner", "peer", "preceptor", "lead", "foreign_preceptor",
                                        "foreign_lead", "foreign_admin", "analyst", "editor")}),
    Case("passport.rotate_key", lambda w: f"/passport/organisations/{w.home.id}/keys/rotate", method="POST",
         expect={role: 404 for role in ("practitioner", "peer", "preceptor", "lead", "foreign_preceptor",
                                        "foreign_lead", "foreign_admin", "analyst", "editor")}, default=302),
    # Bringing a passport needs an organisation to bring it to: people holding only platform roles have none.
    Case("passport.import_form", lambda w: "/passport/import", expect={"analyst": 403, "editor": 403}),
    Case("passport.import_passport", lambda w: "/passport/import", method="POST",
         data=lambda w: {"organisation_id": str(w.home.id),
                         "share_url": "http://127.0.0.1:5000/share/not-a-real-token-at-all"}, default=400,
         expect={"analyst": 403, "editor": 403}),
    Case("passport.imports", lambda w: "/passport/imports",
         expect={**{role: 403 for role in ("practitioner", "peer", "preceptor", "foreign_preceptor", "analyst",
                                            "editor")}, **LEADS}),
    Case("passport.import_detail", lambda w: f"/passport/imports/{w.passport_import.id}",
         expect={**IMPORT_HIDDEN, **IMPORT_VISIBLE}),
    Case("passport.recheck_import", lambda w: f"/passport/imports/{w.passport_import.id}/recheck", method="POST",
         expect={**IMPORT_HIDDEN, "practitioner": 302, "lead": 302, "admin": 302}),
    Case("passport.accept_item", lambda w: f"/passport/imports/items/{w.import_item.id}/accept", method="POST",
         expect=DECIDERS),
    Case("passport.decline_item", lambda w: f"/passport/imports/items/{w.import_item.id}/decline", method="POST",
         expect=DECIDERS),
    Case("passport.recognise_all_valid", lambda w: f"/passport/imports/{w.passport_import.id}/recognise-all",
         method="POST", expect=DECIDERS),
    # Public: no account needed.
    Case("verify.index", lambda w: "/verify", anonymous=200),
    Case("verify.check", lambda w: "/verify", method="POST", data=lambda w: {}, anonymous=400, default=400),
    Case("verify.credential", lambda w: f"/verify/c/{w.passport_credential.public_id}", anonymous=200),
    Case("verify.share", lambda w: f"/share/{w.share_token}", anonymous=200),
    Case("verify.share", lambda w: f"/share/{w.revoked_share_token}", anonymous=404, default=404,
         id="verify.share-revoked"),
    Case("verify.share_bundle", lambda w: f"/share/{w.share_token}/bundle.json", anonymous=200),
    Case("verify.did_document", lambda w: f"/orgs/{w.home.slug}/did.json", anonymous=200),
    Case("verify.status_list", lambda w: f"/status/{w.status_list_id}", anonymous=200),
    # API.
    Case("api.get_my_passport", lambda w: "/api/v1/me/passport"),
    Case("api.create_passport_share", lambda w: "/api/v1/me/passport/shares", method="POST",
         json=lambda w: {"credential_ids": [w.passport_credential.id]}, expect={"practitioner": 201}, default=422),
    Case("api.delete_passport_share", lambda w: f"/api/v1/me/passport/shares/{w.share.id}", method="DELETE",
         expect={"practitioner": 204}, default=404),
    Case("api.verify_credentials", lambda w: "/api/v1/verify", method="POST",
         json=lambda w: {"credential": w.passport_credential.document}, anonymous=200),
]


def build(world) -> None:
    from competency.db import utcnow
    from competency.extensions import db
    from competency.passport import keys, sharing, status
    from competency.passport.models import (
        CredentialImport,
        CredentialKind,
        CredentialOrigin,
        ImportDecision,
        ImportItem,
        ImportSource,
        PassportCredential,
        StatusList,
        TrustedIssuer,
    )
    from competency.passport.statuslist import StatusPurpose
    from competency.passport.verification import Outcome

    credential_uuid = str(uuid.uuid4())
    document = {"@context": ["https://www.w3.org/ns/credentials/v2"], "id": f"urn:uuid:{credential_uuid}",
                "type": ["VerifiableCredential", "OpenBadgeCredential"], "name": "Capability PP-5-01 signed off"}
    world.passport_credential = PassportCredential(
        public_id=credential_uuid, holder_id=world.practitioner.id, origin=CredentialOrigin.issued,
        kind=CredentialKind.signoff, credential_uri=document["id"], document=document, name=document["name"],
        issuer_did=f"did:web:127.0.0.1%3A5000:orgs:{world.home.slug}", issuer_name=world.home.name,
        awarded_on=date.today(), issuer_organisation_id=world.home.id)
    db.session.add(world.passport_credential)
    db.session.flush()
    world.share, world.share_token = sharing.create_share(world.practitioner, [world.passport_credential.id],
                                                          expires_on=None)
    revoked, world.revoked_share_token = sharing.create_share(world.practitioner, [world.passport_credential.id],
                                                              expires_on=None)
    revoked.revoked_at = utcnow()
    world.passport_import = CredentialImport(holder_id=world.practitioner.id, organisation_id=world.home.id,
                                             source=ImportSource.upload)
    world.import_item = ImportItem(position=0, document=document, credential_uri=document["id"],
                                   kind=CredentialKind.signoff, name=document["name"], outcome=Outcome.valid,
                                   decision=ImportDecision.pending, is_holder_match=True)
    world.passport_import.items.append(world.import_item)
    db.session.add(world.passport_import)
    world.trusted_issuer = TrustedIssuer(did="did:web:south.example.org:orgs:south", name="South Council",
                                         sector=world.foreign.sector)
    db.session.add(world.trusted_issuer)
    keys.generate_key(world.home)
    list_id, _ = status.allocate(world.home, StatusPurpose.revocation)
    world.status_list_id = db.session.get(StatusList, list_id).public_id
