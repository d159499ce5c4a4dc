from __future__ import annotations

from typing import Literal

from app.provenance.schemas import EntityBase, EventParticipationRead, MembershipInOrganisation


class PersonRead(EntityBase):
    type: Literal["person"]
    birth_date: str | None = None
    death_date: str | None = None
    memberships: list[MembershipInOrganisation]
    events: list[EventParticipationRead]
