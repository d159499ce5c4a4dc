from __future__ import annotations

from typing import Annotated

from pydantic import Field

from app.events.schemas import EventRead
from app.organisations.schemas import OrganisationRead
from app.people.schemas import PersonRead
from app.places.schemas import PlaceRead

EntityRead = Annotated[
    OrganisationRead | PersonRead | EventRead | PlaceRead, Field(discriminator="type")
]
