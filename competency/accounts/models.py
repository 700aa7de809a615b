"""People, the organisations they belong to, and their employment history."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competency.db import TimestampMixin, UTCDateTime, str_enum
from competency.extensions import db

if TYPE_CHECKING:
    from competency.platform.models import PlatformGrant


class OrgKind(enum.Enum):
    nhs_trust = "nhs_trust"
    local_authority = "local_authority"
    private_provider = "private_provider"
    voluntary = "voluntary"
    education_provider = "education_provider"
    regional_body = "regional_body"


class Sector(enum.Enum):
    health = "health"
    social_care = "social_care"
    voluntary = "voluntary"
    education = "education"


class Role(enum.Enum):
    """Roles at one organisation, given by its administrator.

    Analysts and framework editors act across organisations, so they are platform roles
    (competency.platform), which only a platform administrator grants.
    """

    practitioner = "practitioner"
    preceptor = "preceptor"
    lead = "lead"
    admin = "admin"


ORG_KIND_LABELS = {
    OrgKind.nhs_trust: "NHS trust",
    OrgKind.local_authority: "Local authority",
    OrgKind.private_provider: "Private provider",
    OrgKind.voluntary: "Voluntary sector",
    OrgKind.education_provider: "Education provider",
    OrgKind.regional_body: "Regional body",
}
SECTOR_LABELS = {
    Sector.health: "Health",
    Sector.social_care: "Social care",
    Sector.voluntary: "Voluntary",
    Sector.education: "Education",
}
ROLE_LABELS = {
    Role.practitioner: "Practitioner",
    Role.preceptor: "Preceptor",
    Role.lead: "Lead",
    Role.admin: "Administrator",
}


class Organisation(TimestampMixin, db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind))
    sector: Mapped[Sector] = mapped_column(str_enum(Sector))
    ods_code: Mapped[str | None] = mapped_column(sa.String(10))
    region: Mapped[str] = mapped_column(sa.String(120), index=True)
    # Local words, e.g. {"people_served": "service user"}.
    settings: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Always stored lower-cased, so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    profession: Mapped[str | None] = mapped_column(sa.String(80))
    registration_body: Mapped[str | None] = mapped_column(sa.String(40))
    registration_number: Mapped[str | None] = mapped_column(sa.String(40))
    registered_on: Mapped[date | None] = mapped_column(sa.Date)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Notification preferences: {"email": "immediate"|"digest", "muted": [kinds]}.
    preferences: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Part of every session's identity (see competency.accounts.sessions): raising it ends
    # every session of the account at once, since session cookies cannot be deleted server-side.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", foreign_keys="Membership.user_id"
    )
    employments: Mapped[list[Employment]] = relationship(
        back_populates="user", order_by="Employment.start_on.desc()"
    )
    platform_grants: Mapped[list[PlatformGrant]] = relationship(
        back_populates="user", foreign_keys="PlatformGrant.user_id", order_by="PlatformGrant.id"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_active_account

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the session generation it was made in."""
        return f"{self.id}:{self.session_generation}"

    @property
    def is_registered(self) -> bool:
        return bool(self.registration_body and self.registration_number)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Membership(TimestampMixin, db.Model):
    __tablename__ = "membership"
    __table_args__ = (sa.UniqueConstraint("user_id", "organisation_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))
    is_active: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class Employment(TimestampMixin, db.Model):
    """A post held at an organisation; the history is part of the passport."""

    __tablename__ = "employment"
    __table_args__ = (
        sa.CheckConstraint("fte > 0 AND fte <= 1", name="fte_range"),
        sa.CheckConstraint("end_on IS NULL OR end_on >= start_on", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    role_title: Mapped[str] = mapped_column(sa.String(120))
    # A level-of-practice code from the shared framework (support ... consultant).
    level_code: Mapped[str] = mapped_column(sa.String(40))
    band_label: Mapped[str | None] = mapped_column(sa.String(40))
    start_on: Mapped[date] = mapped_column(sa.Date)
    end_on: Mapped[date | None] = mapped_column(sa.Date)
    fte: Mapped[float] = mapped_column(sa.Numeric(4, 2, asdecimal=False), default=1.0)
    # The service or team the post is in ("Community occupational therapy"), and whether that is an
    # allied health professions service (None: not recorded), so reports can say where support workers work.
    service_name: Mapped[str | None] = mapped_column(sa.String(120))
    is_ahp_service: Mapped[bool | None] = mapped_column()

    user: Mapped[User] = relationship(back_populates="employments")
    organisation: Mapped[Organisation] = relationship()

    def is_current_on(self, day: date) -> bool:
        return self.start_on <= day and (self.end_on is None or self.end_on >= day)


class ApiToken(TimestampMixin, db.Model):
    """A personal access token; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class Invitation(TimestampMixin, db.Model):
    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    roles: Mapped[list] = mapped_column(sa.JSON)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    organisation: Mapped[Organisation] = relationship()


class PasswordReset(TimestampMixin, db.Model):
    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
