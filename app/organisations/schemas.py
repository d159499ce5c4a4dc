"""The organisation body: declared with the other bodies in ``app.provenance.schemas``."""

from __future__ import annotations

from app.provenance.schemas import OrganisationRead

__all__ = ["OrganisationRead"]
