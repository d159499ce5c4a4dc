"""Preview: a small HTML card per entity, for a client to show in an ``<iframe>``.

The card is self-contained: one inline stylesheet, no script, no image, nothing loaded
from anywhere. Every text in it is data (an entity's name too) and is escaped; a link
goes out only to this service's own pages or to a citation's http(s) URL. Its own
Content-Security-Policy (``POLICY``) lets nothing run or load but that stylesheet
(allowed by its hash), sandboxes the page, and lets any page frame it: the card is
read-only public data, so there is nothing to click-jack, and reconciliation clients
(OpenRefine at http://127.0.0.1:3333, or anywhere) show it in a frame.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import NotFoundError
from app.core.schemas import EntityRef, SourceRead
from app.models import Citation
from app.provenance.schemas import (
    AnyEntityRead,
    EventRead,
    OrganisationRead,
    PersonRead,
    PlaceRead,
)
from app.provenance.service import load_bodies
from app.reconcile.properties import CHAIR_ROLE, TYPE_NAMES

WIDTH = 400
HEIGHT = 360
MAX_VALUES = 3  # of one fact: the card stays small
MAX_NAMES = 3

STYLE = (
    "body{margin:0;padding:8px 10px;font:13px/1.4 system-ui,sans-serif;color:#222;"
    "background:#fff}"
    "h1{font-size:16px;margin:0 0 2px}h1 a{color:inherit;text-decoration:none}"
    ".kind{color:#555;margin:0 0 4px}.description{margin:0 0 6px}"
    ".names{color:#555;margin:0 0 6px;font-size:12px}"
    "dl{margin:0;display:grid;grid-template-columns:max-content 1fr;gap:2px 8px}"
    "dt{color:#555}dd{margin:0}"
    "sup{font-size:10px;color:#36c}"
    "footer{margin-top:8px;border-top:1px solid #ddd;padding-top:4px;font-size:11px;"
    "color:#555}footer ol{margin:0;padding-left:0;list-style:none}a{color:#36c}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
POLICY = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors *; sandbox allow-popups allow-popups-to-escape-sandbox"
)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


@dataclass
class _Fact:
    label: str
    values: list[tuple[str, list[SourceRead]]] = field(default_factory=list)  # html, sources


@dataclass
class _Card:
    base: str
    cited: dict[str, str] = field(default_factory=dict)  # citation id -> a quote

    def link(self, ref: EntityRef) -> str:
        return (
            f'<a href="{_e(self.base)}/v1/entities/{_e(quote(ref.id, safe=""))}" '
            f'target="_blank" rel="noopener noreferrer">{_e(ref.name)}</a>'
        )

    def marks(self, sources: Iterable[SourceRead]) -> str:
        """The citations of a fact, as footnote marks whose title is the quote."""
        out = []
        for source in dict.fromkeys((s.citation, s.quote) for s in sources):
            citation, quoted = source
            self.cited.setdefault(citation, quoted)
            out.append(f'<sup title="{_e(quoted)}">[{_e(citation)}]</sup>')
        return "".join(out)


def _field_sources(body: AnyEntityRead, text: str) -> list[SourceRead]:
    """The entity's sources whose quote states the value (its text, or a date's year)."""
    needle = text[:4] if text[:4].isdigit() else text
    return [s for s in body.sources if needle.casefold() in s.quote.casefold()]


def _date_fact(body: AnyEntityRead, label: str, name: str) -> _Fact | None:
    value = getattr(body, name, None)
    claims = body.disputed.get(name, [])
    if value is None and not claims:
        return None
    fact = _Fact(label)
    seen = set()
    for claim in claims:  # the best-supported value first, each with its own sources
        if claim.value == value:
            fact.values.insert(0, (_e(claim.value), claim.sources))
        else:
            fact.values.append((_e(claim.value) + " (disputed)", claim.sources))
        seen.add(claim.value)
    if value is not None and value not in seen:
        fact.values.insert(0, (_e(value), _field_sources(body, value)))
    return fact


def _ref_fact(card: _Card, body: AnyEntityRead, label: str, ref: EntityRef | None) -> _Fact | None:
    if ref is None:
        return None
    return _Fact(label, [(card.link(ref), _field_sources(body, ref.name))])


def _statement_fact(card: _Card, body: AnyEntityRead, label: str, property_id: str) -> _Fact | None:
    fact = _Fact(label)
    for s in body.statements:
        if s.property != property_id or len(fact.values) >= MAX_VALUES:
            continue
        value = s.value
        if value.entity is not None:
            text = card.link(value.entity)
        else:
            shown = next(v for v in (value.text, value.date, value.amount, "") if v is not None)
            text = _e(shown)
        if s.qualifier == "former":
            text += " (former)"
        fact.values.append((text, s.sources))
    return fact if fact.values else None


def _facts(card: _Card, body: AnyEntityRead) -> list[_Fact | None]:
    if isinstance(body, OrganisationRead):
        chairs = [m for m in body.memberships if CHAIR_ROLE.search(m.role)]
        return [
            _date_fact(body, "Founded", "founding_date"),
            _date_fact(body, "Dissolved", "dissolution_date"),
            _ref_fact(card, body, "Headquarters", body.headquarters),
            _Fact("Chair", [(card.link(m.person), m.sources) for m in chairs[:MAX_VALUES]])
            if chairs
            else None,
            _statement_fact(card, body, "Ideology", "ideology"),
        ]
    if isinstance(body, PersonRead):
        roles = [
            (f"{_e(m.role)}, {card.link(m.organisation)}", m.sources)
            for m in body.memberships[:MAX_VALUES]
        ]
        return [
            _date_fact(body, "Born", "birth_date"),
            _date_fact(body, "Died", "death_date"),
            _Fact("Roles", roles) if roles else None,
            _statement_fact(card, body, "Occupation", "occupation"),
        ]
    if isinstance(body, EventRead):
        figures = [
            (
                f"{_e(f.measure.replace('_', ' '))}: {_e(f.qualifier.replace('_', ' '))} "
                f"{_e(f'{f.value:g}')}",
                f.sources,
            )
            for f in body.figures[:MAX_VALUES]
        ]
        return [
            _date_fact(body, "Began", "start_date"),
            _date_fact(body, "Ended", "end_date"),
            _Fact("Places", [(card.link(p), p.sources) for p in body.places[:MAX_VALUES]])
            if body.places
            else None,
            _Fact("Figures", figures) if figures else None,
        ]
    if isinstance(body, PlaceRead):
        return [
            _Fact("Country", [(_e(body.country), [])]) if body.country else None,
            _ref_fact(card, body, "Part of", body.part_of),
        ]
    return []  # a concept: its classification, in the kind line, says it all


def _other_names(body: AnyEntityRead) -> list[str]:
    """A few names in other languages and scripts, official ones first."""
    names = [a for a in body.aliases if a.name != body.name and a.lang != "en"]
    names.sort(key=lambda a: (a.kind != "official", a.kind != "abbreviation", a.lang))
    return list(dict.fromkeys(a.name for a in names))[:MAX_NAMES]


def _citation_line(citation_id: str, row: Any | None, quoted: str) -> str:
    if row is None:
        return f"<li>[{_e(citation_id)}] {_e(quoted)}</li>"
    title = row.title_en or row.title
    details = ", ".join(_e(p) for p in (row.publisher, row.published_date) if p)
    text = _e(title) + (f" ({details})" if details else "")
    url = row.url or ""
    if url.startswith(("https://", "http://")):
        text = f'<a href="{_e(url)}" target="_blank" rel="noopener noreferrer">{text}</a>'
    return f"<li>[{_e(citation_id)}] {text}</li>"


def render(body: AnyEntityRead, citations: dict[str, Any], base: str) -> str:
    card = _Card(base)
    kind = TYPE_NAMES[body.type]
    classification = getattr(body, "classification", None)
    if classification:
        kind += f" · {classification}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width">',
        f"<title>{_e(body.name)}</title><style>{STYLE}</style></head><body>",
        f'<h1><a href="{_e(base)}/v1/entities/{_e(quote(body.id, safe=""))}" '
        f'target="_blank" rel="noopener noreferrer">{_e(body.name)}</a></h1>',
        f'<p class="kind">{_e(kind)}</p>',
    ]
    if body.description:
        parts.append(
            f'<p class="description">{_e(body.description)}{card.marks(_field_sources(body, body.description))}</p>'
        )
    if names := _other_names(body):
        parts.append(f'<p class="names">{" · ".join(_e(n) for n in names)}</p>')
    facts = [f for f in _facts(card, body) if f is not None and f.values]
    if facts:
        parts.append("<dl>")
        for fact in facts:
            values = "; ".join(text + card.marks(sources) for text, sources in fact.values)
            parts.append(f"<dt>{_e(fact.label)}</dt><dd>{values}</dd>")
        parts.append("</dl>")
    if not card.cited:  # no fact cited: the entity's own sources
        card.marks(body.sources)
    parts.append("<footer><ol>")
    parts += [_citation_line(c, citations.get(c), q) for c, q in card.cited.items()]
    parts.append("</ol></footer></body></html>")
    return "".join(parts)


def preview(session: Session, entity_id: str, base: str) -> str:
    """The card of an entity (404 for an unknown id): its body, then its citations."""
    body = load_bodies(session, [entity_id]).get(entity_id)
    if body is None:
        raise NotFoundError(f"no entity with id {entity_id!r}")
    everything = [
        *body.sources,
        *(s for a in body.aliases for s in a.sources),
        *(s for st in body.statements for s in st.sources),
        *(s for claims in body.disputed.values() for c in claims for s in c.sources),
        *(s for m in getattr(body, "memberships", []) for s in m.sources),
        *(s for p in getattr(body, "places", []) for s in p.sources),
        *(s for f in getattr(body, "figures", []) for s in f.sources),
    ]
    ids = {s.citation for s in everything}
    rows = (
        {
            row.id: row
            for row in session.execute(select(Citation.__table__).where(Citation.id.in_(ids)))
        }
        if ids
        else {}
    )
    return render(body, rows, base.rstrip("/"))
