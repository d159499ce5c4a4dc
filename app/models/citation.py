from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, OwnedMixin
from app.models.types import partial_date_check


class Citation(OwnedMixin, Base):
    """One of the article's numbered references, or the article itself (``article``)."""

    __tablename__ = "citation"
    __table_args__ = (
        partial_date_check("published_date"),
        partial_date_check("retrieved_date"),
        partial_date_check("archive_date"),
    )

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    number: Mapped[int | None] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    publisher: Mapped[str | None] = mapped_column(String(500))
    author: Mapped[str | None] = mapped_column(String(500))
    volume: Mapped[str | None] = mapped_column(String(50))
    issue: Mapped[str | None] = mapped_column(String(50))
    published_date: Mapped[str | None] = mapped_column(String(10))
    retrieved_date: Mapped[str | None] = mapped_column(String(10))
    archive_date: Mapped[str | None] = mapped_column(String(10))
    url: Mapped[str | None] = mapped_column(Text)
