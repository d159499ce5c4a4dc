"""Reading and editing an ASGI message's header list in place, with the semantics of
Starlette's ``Headers`` and ``MutableHeaders`` (names lowercase, as ASGI servers and
Starlette's responses give them; values latin-1 bytes).

The layers every response passes through (``app.core.http_cache``, the CORS, gzip and
security-header layers) each made a ``Headers`` or ``MutableHeaders`` over a request's
or a response's headers, and looked values up through ``Mapping.get``: together a fifth
of the time a small search took in process. These are the same operations on the
list itself.
"""

from __future__ import annotations

from collections.abc import Iterable

RawHeaders = list[tuple[bytes, bytes]]


def header_value(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    """The first value of the header ``name`` (lowercase), or None."""
    for key, value in headers:
        if key == name:
            return value
    return None


def set_header(headers: RawHeaders, name: bytes, value: bytes) -> None:
    """``MutableHeaders.__setitem__``: the first ``name`` header takes ``value`` and the
    others are removed; with none, it is appended."""
    found = [n for n, (key, _) in enumerate(headers) if key == name]
    if not found:
        headers.append((name, value))
        return
    for n in reversed(found[1:]):
        del headers[n]
    headers[found[0]] = (name, value)


def remove_header(headers: RawHeaders, name: bytes) -> None:
    """``del MutableHeaders[name]`` when present: every ``name`` header removed."""
    headers[:] = [(key, value) for key, value in headers if key != name]


def vary_on(headers: RawHeaders, field: bytes) -> None:
    """Add ``field`` to ``Vary`` as Starlette's CORS layer does: every ``Vary`` header
    joined into the first one, with ``field`` after them."""
    values = [value for key, value in headers if key == b"vary"]
    set_header(headers, b"vary", b", ".join([*values, field]))
