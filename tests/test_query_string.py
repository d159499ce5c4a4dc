"""Query strings are parsed exactly as Starlette's QueryParams parses them."""

from __future__ import annotations

import urllib.parse

from hypothesis import example, given
from hypothesis import strategies as st
from starlette.datastructures import QueryParams

from app.core.query_string import query_items, unquote

# Text rich in what percent-decoding meets: escapes (valid, cut short, of invalid UTF-8),
# pluses, separators, non-ASCII characters and plain letters.
PIECES = st.sampled_from(
    ["%", "%2", "%20", "%zz", "%D0", "%A1", "%d0%a1", "%E2%82", "%FF", "%25", "+", "&", "=",
     "a", "Z", "9", "é", "С", " ", "%%41", "%4%41", "\x00", "%00", "\\", "\\x41", "%5C"]
)  # fmt: skip
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=3)), max_size=40).map("".join)


@given(TEXT)
@example("queries=%7B%22q0%22%3A+%7B%22query%22%3A+%22%D0%A1%D0%94%D0%9A%22%7D%7D")
def test_unquote_decodes_as_urllib_does(text: str) -> None:
    assert unquote(text) == urllib.parse.unquote(text)


@given(TEXT)
@example("")
@example("&&a&=&b=&=c&q=1&q=2")
def test_query_items_are_starlettes(text: str) -> None:
    query_string = text.encode("utf-8")
    assert query_items(query_string) == QueryParams(query_string).multi_items()
