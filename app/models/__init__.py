"""Every ORM table, imported here so ``Base.metadata`` is complete for Alembic."""

from app.models.alias import Alias
from app.models.base import Base
from app.models.change import Change
from app.models.citation import Citation
from app.models.claim import Claim
from app.models.concept import Concept
from app.models.curation import ApiKey, IdempotentResponse, Tombstone
from app.models.dataset_revision import DatasetRevision
from app.models.document import Document
from app.models.entity import Entity
from app.models.event import Event
from app.models.event_figure import EventFigure
from app.models.event_place import EventPlace
from app.models.membership import Membership
from app.models.organisation import Organisation
from app.models.participation import Participation
from app.models.person import Person
from app.models.place import Place
from app.models.relation import Relation
from app.models.search_index import SearchIndexState
from app.models.search_name import SearchName, SearchToken
from app.models.search_word import SearchWord
from app.models.source import Source
from app.models.statement import Statement
from app.models.stored_body import StoredBody, StoredBodyState

__all__ = [
    "Alias",
    "ApiKey",
    "Base",
    "Change",
    "Citation",
    "Claim",
    "Concept",
    "DatasetRevision",
    "Document",
    "Entity",
    "Event",
    "EventFigure",
    "EventPlace",
    "IdempotentResponse",
    "Membership",
    "Organisation",
    "Participation",
    "Person",
    "Place",
    "Relation",
    "SearchIndexState",
    "SearchName",
    "SearchToken",
    "SearchWord",
    "Source",
    "Statement",
    "StoredBody",
    "StoredBodyState",
    "Tombstone",
]
