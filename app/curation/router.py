"""The write routes: for each entity type, create / merge-patch / delete the entity,
and create / read / merge-patch / delete each kind of its facts; sources other than
the article; revert. Every route is a plain ``def`` (run in a worker thread: the write
lock is waited for off the event loop).

No ``from __future__ import annotations`` here: the routes are made in a loop, and
FastAPI must see their body types as objects, not as strings to resolve."""

import json
from collections.abc import Callable
from typing import Annotated, Any, cast

from fastapi import APIRouter, Body, Header, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, create_model
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.citations import service as citations
from app.citations.schemas import CitationDetail
from app.core.config import Settings
from app.core.dependencies import NO_NUL, SessionDep
from app.core.errors import ConflictError, ForbiddenError, NotFoundError, error_responses
from app.core.vocabulary import EntityType
from app.curation import entities, facts
from app.curation.auth import WriterDep
from app.curation.facts import FactKind
from app.curation.idempotency import remember, replay, request_digest
from app.curation.keys import Actor
from app.curation.revert import revert_entity
from app.curation.schemas import CREATE_MODELS, WRITE_MODELS, CitationWrite, RevertRequest
from app.curation.unit import WriteUnit, precheck_if_match, table
from app.provenance.listing import body_or_404, entity_etag
from app.provenance.schemas import READ_MODELS, EntityRead
from app.rules.records import Record

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
ENTITY_ID = Path(max_length=120, pattern=NO_NUL, examples=["socialist-movement-of-kazakhstan"])


def _id_param(entity_type: EntityType) -> Any:
    """The path parameter as the type's read routes name it (``/v1/people/{person_id}``):
    one path template per URL, as OpenAPI requires."""
    return Path(
        alias=f"{entity_type}_id",
        max_length=120,
        pattern=NO_NUL,
        examples=["socialist-movement-of-kazakhstan"],
    )


FACT_ID = Path(max_length=40, pattern=NO_NUL, examples=["al_3f1c0a9e2b7d4c6e8a1b2c3d"])
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The entity's current ETag (from a GET): required, so no update is lost.",
    ),
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Any unique string: a retry with the same key returns the first answer "
        "instead of writing twice.",
    ),
]
WRITE_ERRORS = (400, 401, 403, 404, 409, 412, 422, 428, 429)


def _patch_model(model: type[Record]) -> type[BaseModel]:
    """The same fields, all optional: a JSON Merge Patch (RFC 7396) of the model, where
    ``null`` removes a value. Nested objects are patched as objects."""
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            annotation = dict[str, Any]
        fields[name] = (annotation | None, None)  # type: ignore[operator]
    return create_model(
        f"{model.__name__.removesuffix('Write')}Patch",
        __config__=ConfigDict(extra="forbid"),
        __doc__=f"A JSON Merge Patch of {model.__name__.removesuffix('Write')}: "
        "the fields to change; null removes one.",
        **fields,
    )


def _created(description: str, parameters: dict[str, str], **operations: str) -> dict[str, Any]:
    """A 201 with OpenAPI links to what can be done next with the new resource: a client
    (or a stateful fuzzer) follows create -> read -> update -> delete. Updates and
    deletes carry the ETag the create answered as their If-Match."""
    links = {}
    for verb, operation_id in operations.items():
        linked = dict(parameters)
        if verb != "get":
            linked["header.If-Match"] = "$response.header.ETag"
        links[verb.capitalize()] = {"operationId": operation_id, "parameters": linked}
    return {"description": description, "links": links}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _json(model: BaseModel, status: int, headers: dict[str, str]) -> Response:
    return Response(model.model_dump_json(), status_code=status, media_type=JSON, headers=headers)


def _write(
    request: Request,
    session: Any,
    actor: Actor,
    operation: Callable[[WriteUnit], Response],
    *,
    idempotency: tuple[str, str] | None = None,
    if_match: tuple[str, str | None, str] | None = None,
) -> Response:
    """Run one write: lock, (replay,) operate, log, (remember,) commit; then make this
    process's response cache forget older revisions at once. With ``if_match`` (entity
    id, header, the route's type), a stale or missing precondition is refused before
    the lock."""
    if if_match is not None:
        precheck_if_match(session, *if_match)
    unit = WriteUnit(session, actor, _settings(request).data_dir)
    try:
        if idempotency is not None:
            replayed = replay(unit, *idempotency)
            if replayed is not None:
                session.rollback()
                return replayed
        response = operation(unit)
        if idempotency is not None:
            remember(unit, *idempotency, request.method, request.url.path, response)
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        reason = str(exc.orig).splitlines()[0][:200]
        raise ConflictError(f"the write conflicts with stored data: {reason}") from None
    except BaseException:
        session.rollback()
        raise
    clock = getattr(request.app.state, "revision_clock", None)
    if clock is not None and unit.outcome is not None:
        clock.advance(unit.outcome.revision)
    return response


def _idempotency(request: Request, key: str | None, body: Any) -> tuple[str, str] | None:
    if key is None:
        return None
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return key, request_digest(request.method, request.url.path, canonical)


def _entity_response(unit: WriteUnit, entity_id: str, status: int, **headers: str) -> Response:
    body = unit.after[entity_id]
    return _json(body, status, {"ETag": entity_etag(entity_id, body.version), **headers})


def _typed(
    unit: WriteUnit,
    entity_id: str,
    entity_type: EntityType,
    if_match: str | None,
    *,
    required: bool,
) -> None:
    actual = unit.check_if_match(entity_id, if_match, required=required)
    if actual != entity_type:
        raise NotFoundError(
            f"no {entity_type} with id {entity_id!r}; {entity_id!r} is a {actual} "
            f"(see /v1/entities/{entity_id})"
        )


def _add_entity_routes(router: APIRouter, entity_type: EntityType, segment: str) -> None:
    read_model = READ_MODELS[entity_type]
    create_model_ = CREATE_MODELS[entity_type]
    patch_model = _patch_model(WRITE_MODELS[entity_type])
    label = entity_type
    entity_param = _id_param(entity_type)

    def create(
        request: Request,
        session: SessionDep,
        actor: WriterDep,
        body: Annotated[create_model_, Body()],  # type: ignore[valid-type]
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        data = cast(BaseModel, body).model_dump(mode="json", exclude_unset=True)

        def operation(unit: WriteUnit) -> Response:
            entity_id = entities.create_entity(unit, entity_type, data)
            unit.finish()
            return _entity_response(unit, entity_id, 201, Location=f"/v1/{segment}/{entity_id}")

        return _write(
            request,
            session,
            actor,
            operation,
            idempotency=_idempotency(request, idempotency_key, data),
        )

    def patch(
        request: Request,
        session: SessionDep,
        actor: WriterDep,
        entity_id: Annotated[str, entity_param],
        body: Annotated[patch_model, Body(media_type=MERGE_PATCH)],  # type: ignore[valid-type]
        if_match: IfMatch = None,
    ) -> Response:
        data = cast(BaseModel, body).model_dump(mode="json", exclude_unset=True)

        def operation(unit: WriteUnit) -> Response:
            _typed(unit, entity_id, entity_type, if_match, required=True)
            entities.update_entity(unit, entity_type, entity_id, data)
            unit.finish()
            return _entity_response(unit, entity_id, 200)

        return _write(
            request, session, actor, operation, if_match=(entity_id, if_match, entity_type)
        )

    def remove(
        request: Request,
        session: SessionDep,
        actor: WriterDep,
        entity_id: Annotated[str, entity_param],
        if_match: IfMatch = None,
        cascade: Annotated[
            bool,
            Query(description="Also delete every fact of other entities that names it (admin)."),
        ] = False,
    ) -> Response:
        if cascade and not actor.allows("admin"):
            raise ForbiddenError(
                f"the key {actor.name!r} has scope {actor.scope!r}; ?cascade=true needs 'admin'"
            )

        def operation(unit: WriteUnit) -> Response:
            _typed(unit, entity_id, entity_type, if_match, required=True)
            entities.delete_entity(unit, entity_id, cascade=cascade)
            unit.finish()
            return Response(status_code=204)

        return _write(
            request, session, actor, operation, if_match=(entity_id, if_match, entity_type)
        )

    router.add_api_route(
        "",
        create,
        methods=["POST"],
        status_code=201,
        response_model=read_model,
        responses={
            **error_responses(*WRITE_ERRORS),
            201: _created(
                f"The new {label}, with Location and ETag.",
                {f"{entity_type}_id": "$response.body#/id"},
                get=f"get_{entity_type}",
                update=f"update_{entity_type}",
                delete=f"delete_{entity_type}",
            ),
        },
        summary=f"Create a {label}",
        description=f"A new {label}, with at least one source. Its id is the slug of its "
        "name, made unique (-2, -3 ...) and never one a deleted entity had. 201 with "
        "Location and ETag.",
        operation_id=f"create_{entity_type}",
        tags=["curation"],
    )
    router.add_api_route(
        f"/{{{entity_type}_id}}",
        patch,
        methods=["PATCH"],
        response_model=read_model,
        responses=error_responses(*WRITE_ERRORS),
        summary=f"Change a {label}'s own fields",
        description="A JSON Merge Patch (RFC 7396) of the entity's own fields and sources; "
        "facts (aliases, statements, ...) have their own routes. `If-Match` with the "
        "current ETag is required: 428 without it, 412 (with the current ETag) when stale.",
        operation_id=f"update_{entity_type}",
        tags=["curation"],
    )
    router.add_api_route(
        f"/{{{entity_type}_id}}",
        remove,
        methods=["DELETE"],
        status_code=204,
        response_class=Response,
        responses=error_responses(*WRITE_ERRORS),
        summary=f"Delete a {label}",
        description="Refused with 409, naming the referrers, while other entities' facts "
        "name it, unless `?cascade=true` (admin scope). Its history stays; its id is never "
        "given again.",
        operation_id=f"delete_{entity_type}",
        tags=["curation"],
    )
    for kind in facts.KINDS[entity_type]:
        _add_fact_routes(router, entity_type, segment, kind)


def _add_fact_routes(
    router: APIRouter, entity_type: EntityType, segment: str, kind: FactKind
) -> None:
    model = kind.model
    patch_model = _patch_model(model)
    singular = "alias" if kind.segment == "aliases" else kind.segment.removesuffix("s")
    noun = singular
    label = f"{entity_type} {noun}"
    entity_param = _id_param(entity_type)
    name = f"{entity_type}_{singular}"

    def fact_response(
        unit_or_body: Any, parent: str, fact_id: str, status: int, **headers: str
    ) -> Response:
        body = unit_or_body
        found = facts.find_in_body(kind, body.model_dump(mode="json"), fact_id)
        if found is None:
            raise NotFoundError(f"{parent!r} has no {kind.segment} fact with id {fact_id!r}")
        etag = entity_etag(parent, body.version)
        return _json(kind.read_model.model_validate(found), status, {"ETag": etag, **headers})

    def create(
        request: Request,
        session: SessionDep,
        actor: WriterDep,
        entity_id: Annotated[str, entity_param],
        body: Annotated[model, Body()],  # type: ignore[valid-type]
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        data = cast(BaseModel, body).model_dump(mode="json", exclude_unset=True)

        def operation(unit: WriteUnit) -> Response:
            _typed(unit, entity_id, entity_type, if_match, required=False)
            fact_id = facts.create_fact(unit, kind, entity_id, data)
            unit.finish()
            location = f"/v1/{segment}/{entity_id}/{kind.segment}/{fact_id}"
            return fact_response(unit.after[entity_id], entity_id, fact_id, 201, Location=location)

        return _write(
            request,
            session,
            actor,
            operation,
            idempotency=_idempotency(request, idempotency_key, data),
        )

    def read(
        session: SessionDep,
        entity_id: Annotated[str, entity_param],
        fact_id: Annotated[str, FACT_ID],
    ) -> Response:
        body = body_or_404(session, entity_id, READ_MODELS[entity_type])
        return fact_response(body, entity_id, fact_id, 200)

    def patch(
        request: Request,
        session: SessionDep,
        actor: WriterDep,
        entity_id: Annotated[str, entity_param],
        fact_id: Annotated[str, FACT_ID],
        body: Annotated[patch_model, Body(media_type=MERGE_PATCH)],  # type: ignore[valid-type]
        if_match: IfMatch = None,
    ) -> Response:
        data = cast(BaseModel, body).model_dump(mode="json", exclude_unset=True)

        def operation(unit: WriteUnit) -> Response:
            _typed(unit, entity_id, entity_type, if_match, required=True)
            facts.update_fact(unit, kind, entity_id, fact_id, data)
            unit.finish()
            return fact_response(unit.after[entity_id], entity_id, fact_id, 200)

        return _write(
            request, session, actor, operation, if_match=(entity_id, if_match, entity_type)
        )

    def remove(
        request: Request,
        session: SessionDep,
        actor: WriterDep,
        entity_id: Annotated[str, entity_param],
        fact_id: Annotated[str, FACT_ID],
        if_match: IfMatch = None,
    ) -> Response:
        def operation(unit: WriteUnit) -> Response:
            _typed(unit, entity_id, entity_type, if_match, required=True)
            facts.delete_fact(unit, kind, entity_id, fact_id)
            unit.finish()
            version = unit.after[entity_id].version
            return Response(status_code=204, headers={"ETag": entity_etag(entity_id, version)})

        return _write(
            request, session, actor, operation, if_match=(entity_id, if_match, entity_type)
        )

    base = f"/{{{entity_type}_id}}/{kind.segment}"
    router.add_api_route(
        base,
        create,
        methods=["POST"],
        status_code=201,
        response_model=kind.read_model,
        responses={
            **error_responses(*WRITE_ERRORS),
            201: _created(
                f"The new {noun}, with Location and the {entity_type}'s new ETag.",
                {
                    f"{entity_type}_id": f"$request.path.{entity_type}_id",
                    "fact_id": "$response.body#/fact_id"
                    if kind.segment == "places"
                    else "$response.body#/id",
                },
                get=f"get_{name}",
                update=f"update_{name}",
                delete=f"delete_{name}",
            ),
        },
        summary=f"Add a {label}",
        description=f"Adds a {noun} with at least one source. 201 with Location and the "
        f"{entity_type}'s new ETag. `If-Match` is optional here.",
        operation_id=f"create_{name}",
        tags=["curation"],
    )
    router.add_api_route(
        f"{base}/{{fact_id}}",
        read,
        methods=["GET"],
        response_model=kind.read_model,
        responses=error_responses(404, 422),
        summary=f"Get a {label}",
        description=f"One {noun}, as it shows in the {entity_type}'s body; the ETag is the "
        f"{entity_type}'s.",
        operation_id=f"get_{name}",
        tags=[segment],
    )
    router.add_api_route(
        f"{base}/{{fact_id}}",
        patch,
        methods=["PATCH"],
        response_model=kind.read_model,
        responses=error_responses(*WRITE_ERRORS),
        summary=f"Change a {label}",
        description="A JSON Merge Patch (RFC 7396); the fact keeps its id. `If-Match` "
        f"with the {entity_type}'s current ETag is required.",
        operation_id=f"update_{name}",
        tags=["curation"],
    )
    router.add_api_route(
        f"{base}/{{fact_id}}",
        remove,
        methods=["DELETE"],
        status_code=204,
        response_class=Response,
        responses=error_responses(*WRITE_ERRORS),
        summary=f"Delete a {label}",
        description=f"`If-Match` with the {entity_type}'s current ETag is required; the "
        "204 carries its new ETag.",
        operation_id=f"delete_{name}",
        tags=["curation"],
    )


def entity_write_router(entity_type: EntityType, segment: str) -> APIRouter:
    # Tags per route: the writes are "curation", a fact's GET is its type's (one tag
    # each, so the docs list every operation once).
    router = APIRouter()
    _add_entity_routes(router, entity_type, segment)
    return router


# --- sources that are not the article; revert -----------------------------------------

citations_write_router = APIRouter(tags=["curation"])


@citations_write_router.post(
    "",
    status_code=201,
    response_model=CitationDetail,
    responses=error_responses(*WRITE_ERRORS),
    summary="Add a source that is not the article",
    operation_id="create_citation",
)
def create_citation(
    request: Request,
    session: SessionDep,
    actor: WriterDep,
    body: CitationWrite,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A report, a book, a web page: facts written through the API may cite it as
    `src-N` (its id), quoting its words."""
    data = cast(BaseModel, body).model_dump(mode="json", exclude_unset=True)

    def operation(unit: WriteUnit) -> Response:
        citation = table("citation")
        ids = unit.conn.execute(select(citation.c.id).where(citation.c.id.like("src-%")))
        numbers = [int(i.removeprefix("src-")) for i in ids.scalars() if i[4:].isdigit()]
        citation_id = f"src-{max(numbers, default=0) + 1}"
        unit.conn.execute(
            citation.insert().values(
                id=citation_id, document_id=None, curated_by=unit.actor.name, **data
            )
        )
        unit.rows_changed = True
        unit.finish()
        detail = CitationDetail.model_validate(
            citations.get_citation(session=unit.session, citation_id=citation_id)
        )
        return _json(detail, 201, {"Location": f"/v1/citations/{citation_id}"})

    return _write(
        request, session, actor, operation, idempotency=_idempotency(request, idempotency_key, data)
    )


revert_router = APIRouter(tags=["curation"])


@revert_router.post(
    "/{entity_id}/revert",
    response_model=EntityRead,
    responses=error_responses(*WRITE_ERRORS),
    summary="Revert an entity to an earlier version",
    operation_id="revert_entity",
)
def revert(
    request: Request,
    session: SessionDep,
    actor: WriterDep,
    entity_id: Annotated[str, ENTITY_ID],
    body: RevertRequest,
    if_match: IfMatch = None,
) -> Response:
    """Makes the entity's own fields and facts what they were at version `to`, as a new
    version (history is never rewritten). A deleted entity is brought back. `If-Match`
    is required unless the entity is deleted."""

    def operation(unit: WriteUnit) -> Response:
        revert_entity(unit, entity_id, body.to, if_match)
        unit.finish()
        return _entity_response(unit, entity_id, 200)

    return _write(request, session, actor, operation)
