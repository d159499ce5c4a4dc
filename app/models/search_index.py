from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class SearchIndexState(Base):
    """One row: the format of the search tables (``search_name``, ``search_token``,
    ``search_word``) as last rebuilt in full. Start-up compares ``version`` with
    ``app.search.index.INDEX_FORMAT`` and rebuilds every entity's search rows when they
    differ (or when no row exists: a database made before the marker)."""

    __tablename__ = "search_index"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    entities: Mapped[int] = mapped_column(Integer)  # entities indexed by that rebuild
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
