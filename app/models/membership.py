from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import ID_LENGTH, Base, FactMixin
from app.models.types import partial_date_check

if TYPE_CHECKING:
    from app.models.organisation import Organisation
    from app.models.person import Person


class Membership(FactMixin, Base):
    """A person's role in an organisation, possibly dated."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("document_id", "natural_key"),
        partial_date_check("start_date"),
        partial_date_check("end_date"),
    )

    person_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[str | None] = mapped_column(String(10))
    end_date: Mapped[str | None] = mapped_column(String(10))
    inferred: Mapped[bool] = mapped_column(Boolean, server_default=false())

    person: Mapped[Person] = relationship(lazy="raise")
    organisation: Mapped[Organisation] = relationship(lazy="raise")
