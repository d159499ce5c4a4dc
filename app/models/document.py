from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import DOCUMENT_ID_LENGTH, Base


class Document(Base):
    """A text the knowledge base is built from: the article, later others. Rows of the
    other tables point here to say which seed owns them."""

    __tablename__ = "document"

    id: Mapped[str] = mapped_column(String(DOCUMENT_ID_LENGTH), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    # sha256 of the text as last seeded: a changed text is visible at a glance.
    fingerprint: Mapped[str] = mapped_column(String(64))
    seeded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
