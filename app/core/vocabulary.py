"""Every controlled vocabulary of the knowledge base, declared once.

The data contract (``app.rules.records``), the tables' CHECK constraints
(``app.models``), the read models and ``GET /v1/properties`` all derive from the
declarations here, so a new value is added in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

EntityType = Literal["organisation", "person", "event", "place", "concept"]
ENTITY_TYPES: tuple[EntityType, ...] = get_args(EntityType)

# BCP 47 with script. ``und-*`` is a name whose language the article does not state.
Lang = Literal[
    "en", "kk-Cyrl", "kk-Latn", "ru-Cyrl", "ru-Latn", "uk-Cyrl", "uk-Latn", "und-Cyrl", "und-Latn"
]
LANGS: tuple[str, ...] = get_args(Lang)

AliasKind = Literal["official", "former", "abbreviation", "romanization", "translation", "other"]
ALIAS_KINDS: tuple[str, ...] = get_args(AliasKind)

# How a counted figure relates to the true number.
Qualifier = Literal["exactly", "more_than", "at_least", "about", "at_most", "less_than"]
QUALIFIERS: tuple[str, ...] = get_args(Qualifier)

RelationVerb = Literal[
    "section_of",
    "member_of",
    "participant_in",
    "merged_into",
    "split_from",
    "successor_of",
    "renamed_from",
    "affiliated_with",
    "supported",
    "opposed",
    "accused",
    "part_of",
    "led_by",
    "publishes",
    "remnant_of",
    "controlled_by",
    "claims_continuation_of",
    "founded_by",
    "named_after",
    "located_in",
    "criticised",
    "replaced",
    "dismissed",
    "edited_by",
    "created_by_merger_of",
]
RELATION_VERBS: tuple[str, ...] = get_args(RelationVerb)

ValueType = Literal["entity", "text", "date", "quantity"]
VALUE_TYPES: tuple[str, ...] = get_args(ValueType)

# How a statement's claim is hedged by the article.
StatementQualifier = Literal[
    "former",  # held once, no longer ("has since moved away from")
    "reportedly",  # the article reports it without vouching ("reportedly being attacked")
    "attributed",  # others attribute it ("some commentators attribute")
    "in_part",  # one cause among others ("in part to the protests")
    "planned",  # announced, not (yet) done
    "claimed",  # the subject's own claim ("claim to be the continuation")
    "more_than",
    "at_least",
    "about",
]
STATEMENT_QUALIFIERS: tuple[str, ...] = get_args(StatementQualifier)

FactKind = Literal[
    "alias",
    "membership",
    "relation",
    "participation",
    "event_place",
    "figure",
    "claim",
    "statement",
]
FACT_KINDS: tuple[str, ...] = get_args(FactKind)


@dataclass(frozen=True)
class Property:
    """One property of the statement vocabulary, as served at ``/v1/properties``."""

    id: str
    label: str
    description: str
    value_types: tuple[ValueType, ...]
    subject_types: tuple[EntityType, ...]


_ALL: tuple[EntityType, ...] = ENTITY_TYPES
_ACTORS: tuple[EntityType, ...] = ("organisation", "person")

PROPERTIES: tuple[Property, ...] = (
    Property(
        "ideology",
        "ideology",
        "An ideology the subject holds; `former` when it has moved away from it.",
        ("entity",),
        _ACTORS,
    ),
    Property(
        "legal_status",
        "legal status",
        "The subject's standing in law, in the article's words (`banned`).",
        ("text",),
        ("organisation",),
    ),
    Property(
        "policy",
        "policy position",
        "Something the subject campaigns for or advocates as a standing position.",
        ("text", "entity"),
        _ACTORS,
    ),
    Property(
        "demand",
        "demand",
        "Something the subject called for on a given occasion; an entity value when the "
        "demand names one.",
        ("text", "entity"),
        _ACTORS,
    ),
    Property(
        "programme",
        "programme",
        "A programme (platform) the subject advocates.",
        ("text",),
        ("organisation",),
    ),
    Property(
        "occupation",
        "occupation",
        "What the person does or did for a living (`journalist`, `politician`).",
        ("text",),
        ("person",),
    ),
    Property(
        "nationality",
        "nationality",
        "The nationality the article gives the person (`Kazakh`).",
        ("text",),
        ("person",),
    ),
    Property(
        "position_held",
        "position held",
        "An office or position (`President of Kazakhstan`, `Prime Minister`); an entity "
        "value when the office is an entity.",
        ("text", "entity"),
        ("person",),
    ),
    Property(
        "career_status",
        "career status",
        "Where the person stands in their career (`retired`).",
        ("text",),
        ("person",),
    ),
    Property(
        "residence",
        "residence",
        "Where the subject lives or is based, or `in exile`.",
        ("text", "entity"),
        _ACTORS,
    ),
    Property(
        "faced",
        "faced",
        "Repression or hardship the subject faced (`arbitrary detention`, `death threats`).",
        ("text",),
        _ACTORS,
    ),
    Property(
        "active_in",
        "active in",
        "Where the subject is active; text when the article does not name the places.",
        ("text", "entity"),
        ("organisation",),
    ),
    Property(
        "cause",
        "cause",
        "What began, caused or contributed to the subject; `attributed` and `in_part` "
        "mark causes others attribute.",
        ("text", "entity"),
        ("event",),
    ),
    Property(
        "outcome",
        "outcome",
        "What the subject led to or ended in.",
        ("text", "entity"),
        ("event",),
    ),
    Property(
        "annual_date",
        "annual date",
        "The day the subject recurs every year, as ISO 8601 `--MM-DD`.",
        ("text",),
        ("event",),
    ),
    Property(
        "inception",
        "inception",
        "The earliest date the subject is known to exist, when it predates (or stands "
        "in for) a founding date.",
        ("date",),
        ("organisation", "event", "place"),
    ),
    Property(
        "existence_status",
        "existence status",
        "`defunct` (no longer exists, end date unknown), `never_established` (planned, "
        "never created) or `active`.",
        ("text",),
        ("organisation",),
    ),
    Property(
        "announced",
        "announced",
        "Something the subject announced (a plan, a decision).",
        ("text",),
        _ACTORS,
    ),
    Property(
        "characteristic",
        "characteristic",
        "A quality the article ascribes to the subject (`oil-producing`, `the nation's "
        "largest city`, `one of the first Trotskyist organizations in modern Russia`).",
        ("text",),
        _ALL,
    ),
    Property(
        "borders",
        "borders",
        "A place the subject neighbours.",
        ("entity",),
        ("place",),
    ),
    Property(
        "reported_by",
        "reported by",
        "Who gives the subject's account or figures (`according to Kazakh officials`).",
        ("text", "entity"),
        ("event",),
    ),
)
PROPERTY_BY_ID: dict[str, Property] = {p.id: p for p in PROPERTIES}
PROPERTY_IDS: tuple[str, ...] = tuple(PROPERTY_BY_ID)

EXISTENCE_STATUSES = ("active", "defunct", "never_established")
