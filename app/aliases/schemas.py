from __future__ import annotations

from app.core.schemas import EntityRef
from app.provenance.schemas import AliasRead


class AliasWithEntity(AliasRead):
    """A name variant and the entity it names."""

    entity: EntityRef
