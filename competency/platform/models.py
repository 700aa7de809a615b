"""Platform roles, granted to a person by a platform administrator, apart from organisation roles.

An organisation's administrator manages that organisation only. What every organisation shares
(frameworks, the trust list, region-wide figures) is governed by these grants instead:

- ``platform_admin``: grants and revokes platform roles (never their own);
- ``framework_editor``: uploads, publishes, retires and discards the frameworks of one owner
  (an organisation, or the platform itself for frameworks no organisation owns);
- ``trust_list_manager``: keeps the installation's list of known issuers;
- ``analyst``: reads the suppressed system view of one region (an ICS).
"""
from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competency.accounts.models import Organisation, User
from competency.db import TimestampMixin, str_enum
from competency.extensions import db


class PlatformRole(enum.Enum):
    platform_admin = "platform_admin"
    framework_editor = "framework_editor"
    trust_list_manager = "trust_list_manager"
    analyst = "analyst"


PLATFORM_ROLE_LABELS = {
    PlatformRole.platform_admin: "Platform administrator",
    PlatformRole.framework_editor: "Framework editor",
    PlatformRole.trust_list_manager: "Trust-list manager",
    PlatformRole.analyst: "Analyst",
}
PLATFORM_ROLE_HINTS = {
    PlatformRole.platform_admin: "Grants and revokes platform roles for other people.",
    PlatformRole.framework_editor: "Uploads, publishes, retires and discards the frameworks of one owner.",
    PlatformRole.trust_list_manager: "Keeps the list of known issuers every verifier here relies on.",
    PlatformRole.analyst: "Reads the system view (suppressed figures) of one region.",
}
# Which scope each role takes: an owner organisation (None: the platform's own frameworks), a region, or none.
SCOPED_BY_OWNER = {PlatformRole.framework_editor}
SCOPED_BY_REGION = {PlatformRole.analyst}


class PlatformGrant(TimestampMixin, db.Model):
    """One platform role for one person, within its scope. Revoking deletes the row; the audit log keeps both."""

    __tablename__ = "platform_grant"
    __table_args__ = (sa.UniqueConstraint("user_id", "role", "scope_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[PlatformRole] = mapped_column(str_enum(PlatformRole))
    # framework_editor: the owner whose frameworks may be edited (None: frameworks the platform owns).
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"),
                                                        index=True)
    # analyst: the region (Organisation.region) whose figures may be read.
    region: Mapped[str | None] = mapped_column(sa.String(120))
    # "" / "owner:<id>" / "region:<name>": one grant per person, role and scope, NULLs included.
    scope_key: Mapped[str] = mapped_column(sa.String(140))
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], back_populates="platform_grants")
    organisation: Mapped[Organisation | None] = relationship()
    granted_by: Mapped[User | None] = relationship(foreign_keys=[granted_by_id])

    @property
    def label(self) -> str:
        return PLATFORM_ROLE_LABELS[self.role]

    @property
    def scope_label(self) -> str:
        if self.role in SCOPED_BY_OWNER:
            owner = self.organisation.name if self.organisation is not None else "the platform"
            return f"Frameworks owned by {owner}"
        if self.role in SCOPED_BY_REGION:
            return f"Region: {self.region}"
        return "Whole installation"


class FrameworkOwner(db.Model):
    """Which organisation's framework editors look after a framework; no row: the platform's own.

    Kept beside the framework rather than in it, so ownership can change without touching the
    framework's own (immutable once published) records.
    """

    __tablename__ = "framework_owner"

    framework_id: Mapped[int] = mapped_column(sa.ForeignKey("framework.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)

    organisation: Mapped[Organisation] = relationship()


def scope_key(role: PlatformRole, organisation_id: int | None, region: str | None) -> str:
    if role in SCOPED_BY_OWNER:
        return f"owner:{organisation_id}" if organisation_id is not None else "owner:platform"
    if role in SCOPED_BY_REGION:
        return f"region:{region}"
    return ""
