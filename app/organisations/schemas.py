from __future__ import annotations

from typing import Literal

from app.core.schemas import EntityRef
from app.provenance.schemas import EntityBase, EventParticipationRead, MembershipOfPerson


class OrganisationRead(EntityBase):
    type: Literal["organisation"]
    classification: str | None = None
    founding_date: str | None = None
    dissolution_date: str | None = None
    headquarters: EntityRef | None = None
    website: str | None = None
    political_position: str | None = None
    colours: str | None = None
    memberships: list[MembershipOfPerson]
    events: list[EventParticipationRead]
