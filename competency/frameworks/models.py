"""Frameworks, their versions and contents, external frameworks we map to, and the role crosswalk.

A :class:`FrameworkVersion` is ``draft`` (editable, replaceable), ``published``
(immutable from then on) or ``retired`` (immutable, still valid for everything
recorded against it). The guard in :mod:`competency.frameworks.immutability`
refuses any flush that would change a published or retired version's content.

Pillars, levels and capabilities are stored per version; their ``uuid`` is the
stable identifier shared by every version in which the item means the same thing.
Other areas refer to a capability by (framework version id, capability uuid).
"""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competency.accounts.models import Organisation
from competency.db import TimestampMixin, UTCDateTime, str_enum
from competency.extensions import db
from competency.platform.models import FrameworkOwner

UUID_LENGTH = 36


class VersionStatus(enum.Enum):
    draft = "draft"
    published = "published"
    retired = "retired"


STATUS_LABELS = {VersionStatus.draft: "Draft", VersionStatus.published: "Published", VersionStatus.retired: "Retired"}


class Framework(TimestampMixin, db.Model):
    __tablename__ = "framework"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(UUID_LENGTH), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))

    versions: Mapped[list[FrameworkVersion]] = relationship(
        back_populates="framework", order_by="FrameworkVersion.id", cascade="all, delete-orphan")
    # Whose framework editors may change it (see competency.platform); none: the platform's own.
    ownership: Mapped[FrameworkOwner | None] = relationship(cascade="all, delete-orphan", uselist=False)

    @property
    def owner_id(self) -> int | None:
        return self.ownership.organisation_id if self.ownership is not None else None

    @owner_id.setter
    def owner_id(self, organisation_id: int | None) -> None:
        if organisation_id is None:
            self.ownership = None
        elif self.ownership is None:
            self.ownership = FrameworkOwner(organisation_id=organisation_id)
        else:
            self.ownership.organisation_id = organisation_id

    @property
    def owner(self) -> Organisation | None:
        return self.ownership.organisation if self.ownership is not None else None

    def __repr__(self) -> str:
        return f"<Framework {self.slug}>"


class FrameworkVersion(TimestampMixin, db.Model):
    __tablename__ = "framework_version"
    __table_args__ = (sa.UniqueConstraint("framework_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The CASE CFDocument identifier of this version.
    uuid: Mapped[str] = mapped_column(sa.String(UUID_LENGTH), unique=True)
    framework_id: Mapped[int] = mapped_column(sa.ForeignKey("framework.id"), index=True)
    version: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    publisher: Mapped[str] = mapped_column(sa.String(200), default="")
    language: Mapped[str] = mapped_column(sa.String(20), default="en-GB")
    # [[code, name], ...] of the professions capabilities can be tagged with.
    professions: Mapped[list] = mapped_column(sa.JSON, default=list)
    status: Mapped[VersionStatus] = mapped_column(str_enum(VersionStatus), default=VersionStatus.draft, index=True)
    # When the content last changed (CASE lastChangeDateTime); carried through imports.
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source_name: Mapped[str] = mapped_column(sa.String(200), default="")
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    framework: Mapped[Framework] = relationship(back_populates="versions")
    pillars: Mapped[list[Pillar]] = relationship(
        back_populates="version", order_by="Pillar.position", cascade="all, delete-orphan")
    levels: Mapped[list[Level]] = relationship(
        back_populates="version", order_by="Level.position", cascade="all, delete-orphan")
    capabilities: Mapped[list[Capability]] = relationship(
        back_populates="version", order_by="Capability.position", cascade="all, delete-orphan")

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.draft

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def __repr__(self) -> str:
        return f"<FrameworkVersion {self.framework_id}@{self.version} {self.status.value}>"


class Pillar(db.Model):
    __tablename__ = "framework_pillar"
    __table_args__ = (sa.UniqueConstraint("version_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("framework_version.id", ondelete="CASCADE"), index=True)
    uuid: Mapped[str] = mapped_column(sa.String(UUID_LENGTH), index=True)
    code: Mapped[str] = mapped_column(sa.String(60))
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    abbreviation: Mapped[str | None] = mapped_column(sa.String(10))
    position: Mapped[int] = mapped_column()

    version: Mapped[FrameworkVersion] = relationship(back_populates="pillars")


class Level(db.Model):
    __tablename__ = "framework_level"
    __table_args__ = (sa.UniqueConstraint("version_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("framework_version.id", ondelete="CASCADE"), index=True)
    uuid: Mapped[str] = mapped_column(sa.String(UUID_LENGTH), index=True)
    code: Mapped[str] = mapped_column(sa.String(60))
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    abbreviation: Mapped[str | None] = mapped_column(sa.String(10))
    career_framework_level: Mapped[int | None] = mapped_column()
    # 1 = support worker ... 8 = consultant; used to compare levels.
    position: Mapped[int] = mapped_column()

    version: Mapped[FrameworkVersion] = relationship(back_populates="levels")


class Capability(db.Model):
    __tablename__ = "framework_capability"
    __table_args__ = (sa.UniqueConstraint("version_id", "code"), sa.UniqueConstraint("version_id", "uuid"))

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("framework_version.id", ondelete="CASCADE"), index=True)
    # Stable identifier: the same in every version where the statement is unchanged.
    uuid: Mapped[str] = mapped_column(sa.String(UUID_LENGTH), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    pillar_id: Mapped[int] = mapped_column(sa.ForeignKey("framework_pillar.id", ondelete="CASCADE"), index=True)
    level_id: Mapped[int] = mapped_column(sa.ForeignKey("framework_level.id", ondelete="CASCADE"), index=True)
    statement: Mapped[str] = mapped_column(sa.Text)
    guidance: Mapped[str] = mapped_column(sa.Text)
    revision: Mapped[int] = mapped_column(default=1)
    # The uuid of the previous revision this one replaces, if any.
    supersedes_uuid: Mapped[str | None] = mapped_column(sa.String(UUID_LENGTH), index=True)
    # Same intent, clearer words: sign-offs of the superseded revision still count.
    is_minor_revision: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    sectors: Mapped[list] = mapped_column(sa.JSON, default=list)
    professions: Mapped[list] = mapped_column(sa.JSON, default=list)
    position: Mapped[int] = mapped_column()

    version: Mapped[FrameworkVersion] = relationship(back_populates="capabilities")
    pillar: Mapped[Pillar] = relationship()
    level: Mapped[Level] = relationship()
    mappings: Mapped[list[CapabilityMapping]] = relationship(
        back_populates="capability", order_by="CapabilityMapping.id", cascade="all, delete-orphan")

    def applies_to(self, sector: str | None = None, profession: str | None = None) -> bool:
        """Untagged capabilities apply to every sector and profession."""
        if sector and self.sectors and sector not in self.sectors:
            return False
        if profession and self.professions and profession not in self.professions:
            return False
        return True


class ExternalFramework(TimestampMixin, db.Model):
    """A framework we map to but do not author (reference data, updated in place)."""

    __tablename__ = "external_framework"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    publisher: Mapped[str] = mapped_column(sa.String(200), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")

    items: Mapped[list[ExternalItem]] = relationship(back_populates="framework", order_by="ExternalItem.position")


class ExternalItem(db.Model):
    __tablename__ = "external_item"
    __table_args__ = (sa.UniqueConstraint("external_framework_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_framework_id: Mapped[int] = mapped_column(sa.ForeignKey("external_framework.id"), index=True)
    uuid: Mapped[str] = mapped_column(sa.String(UUID_LENGTH), unique=True)
    code: Mapped[str] = mapped_column(sa.String(60))
    name: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column()

    framework: Mapped[ExternalFramework] = relationship(back_populates="items")


class CapabilityMapping(db.Model):
    """A capability can evidence this external item (Care Certificate standard, PCF domain, ...)."""

    __tablename__ = "framework_capability_mapping"
    __table_args__ = (sa.UniqueConstraint("capability_id", "external_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    capability_id: Mapped[int] = mapped_column(sa.ForeignKey("framework_capability.id", ondelete="CASCADE"), index=True)
    external_item_id: Mapped[int] = mapped_column(sa.ForeignKey("external_item.id"), index=True)

    capability: Mapped[Capability] = relationship(back_populates="mappings")
    external_item: Mapped[ExternalItem] = relationship()


class Crosswalk(TimestampMixin, db.Model):
    """Employers' pay bands, grades and role titles mapped to a framework's levels of practice."""

    __tablename__ = "crosswalk"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    framework_id: Mapped[int] = mapped_column(sa.ForeignKey("framework.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")

    framework: Mapped[Framework] = relationship()
    schemes: Mapped[list[CrosswalkScheme]] = relationship(
        back_populates="crosswalk", order_by="CrosswalkScheme.position", cascade="all, delete-orphan")


class CrosswalkScheme(db.Model):
    __tablename__ = "crosswalk_scheme"
    __table_args__ = (sa.UniqueConstraint("crosswalk_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    crosswalk_id: Mapped[int] = mapped_column(sa.ForeignKey("crosswalk.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(60))
    name: Mapped[str] = mapped_column(sa.String(200))
    # pay_band | grade | role_title
    type: Mapped[str] = mapped_column(sa.String(20))
    sector: Mapped[str | None] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column()

    crosswalk: Mapped[Crosswalk] = relationship(back_populates="schemes")
    entries: Mapped[list[CrosswalkEntry]] = relationship(
        back_populates="scheme", order_by="CrosswalkEntry.position", cascade="all, delete-orphan")


class CrosswalkEntry(db.Model):
    __tablename__ = "crosswalk_entry"
    __table_args__ = (sa.UniqueConstraint("scheme_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(sa.ForeignKey("crosswalk_scheme.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(sa.String(120))
    # A level code of the crosswalk's framework (stable across versions); the first when it spans several.
    level_code: Mapped[str] = mapped_column(sa.String(60), index=True)
    # Every level a band or title spans, in order (["advanced", "consultant"]); empty for one level.
    level_codes: Mapped[list] = mapped_column(sa.JSON, default=list, server_default=sa.text("'[]'"))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    sectors: Mapped[list] = mapped_column(sa.JSON, default=list)
    position: Mapped[int] = mapped_column()

    scheme: Mapped[CrosswalkScheme] = relationship(back_populates="entries")

    @property
    def levels(self) -> list[str]:
        return list(self.level_codes or []) or [self.level_code]


# Registers the session guard whenever the models are loaded.
from competency.frameworks import immutability  # noqa: E402,F401
