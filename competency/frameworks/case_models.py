"""What a CASE package brought in that the pillar/level/capability model does not hold.

* :class:`CaseDocument` and :class:`CaseObject`: a *reference framework*, i.e. a
  CASE package from another tool stored as it came (document, items,
  associations, definitions and rubrics, every property and extension kept), so
  exporting it gives back the source object for object with the source
  identifiers. Its items are also an :class:`ExternalFramework` that capabilities
  can be mapped to.
* :class:`KeptAssociation`: associations of one of our own framework versions that
  the model cannot represent (for example ``isRelatedTo`` an item this
  installation does not know), kept verbatim with their place in the source list
  so the next export carries them again.
* :class:`KeptIdentifier`: the source identifiers of the associations, item types
  and concepts the model does represent, so they are exported under those again.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from competency.db import TimestampMixin
from competency.extensions import db
from competency.frameworks.models import ExternalFramework, FrameworkVersion

# CASE identifiers are UUIDs in practice, but a tolerant reader keeps what it is given.
IDENTIFIER_LENGTH = 255
# The collections a package holds besides its CFDocument, in the order CASE lists them.
COLLECTIONS = ("CFItems", "CFAssociations", "CFConcepts", "CFSubjects", "CFLicenses", "CFItemTypes",
               "CFAssociationGroupings", "CFRubrics")


class CaseDocument(TimestampMixin, db.Model):
    __tablename__ = "case_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The source CFDocument identifier as written, and lowercased for look-ups.
    identifier: Mapped[str] = mapped_column(sa.String(IDENTIFIER_LENGTH))
    key: Mapped[str] = mapped_column(sa.String(IDENTIFIER_LENGTH), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    # The CFDocument object exactly as received.
    document: Mapped[dict] = mapped_column(sa.JSON)
    # Top-level keys of the package and of CFDefinitions, in source order, so absent and
    # empty collections come back exactly as they were.
    layout: Mapped[dict] = mapped_column(sa.JSON)
    source_name: Mapped[str] = mapped_column(sa.String(200), default="")
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    external_framework_id: Mapped[int | None] = mapped_column(sa.ForeignKey("external_framework.id"), index=True)

    external_framework: Mapped[ExternalFramework | None] = relationship()
    objects: Mapped[list[CaseObject]] = relationship(
        back_populates="document", order_by="CaseObject.position", cascade="all, delete-orphan")

    def of(self, collection: str) -> list[CaseObject]:
        return [o for o in self.objects if o.collection == collection]


class CaseObject(db.Model):
    __tablename__ = "case_object"
    __table_args__ = (sa.UniqueConstraint("document_id", "collection", "key"),
                      sa.Index("ix_case_object_collection_key", "collection", "key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("case_document.id", ondelete="CASCADE"), index=True)
    collection: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(IDENTIFIER_LENGTH))
    # Index in the source list, so the export keeps the source order.
    position: Mapped[int] = mapped_column()
    data: Mapped[dict] = mapped_column(sa.JSON)

    document: Mapped[CaseDocument] = relationship(back_populates="objects")


class KeptAssociation(db.Model):
    __tablename__ = "framework_case_association"
    __table_args__ = (sa.UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("framework_version.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(IDENTIFIER_LENGTH))
    position: Mapped[int] = mapped_column()
    data: Mapped[dict] = mapped_column(sa.JSON)

    # Deleting a draft deletes what it kept.
    version: Mapped[FrameworkVersion] = relationship(
        backref=backref("kept_associations", order_by="KeptAssociation.position", cascade="all, delete-orphan"))


class KeptIdentifier(db.Model):
    """An identifier another CASE tool gave to something this platform would otherwise derive.

    Pillars, levels and capabilities carry their source identifiers themselves; the
    associations between them, the item types and the profession concepts are written
    from the model on export, with identifiers derived from the version. When a package
    came with other identifiers for them, they are kept here by what they name
    (``kind`` "association": "<associationType> <origin> <destination>"; "item_type": the
    type's name; "concept": the profession code), so the next export uses them again.
    """

    __tablename__ = "framework_case_identifier"
    __table_args__ = (sa.UniqueConstraint("version_id", "kind", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("framework_version.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    ref: Mapped[str] = mapped_column(sa.String(600))
    identifier: Mapped[str] = mapped_column(sa.String(IDENTIFIER_LENGTH))

    version: Mapped[FrameworkVersion] = relationship(
        backref=backref("kept_identifiers", order_by="KeptIdentifier.id", cascade="all, delete-orphan"))
