"""The data contract rejects bad records before any database is involved."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.core.dates import period_end, period_start, validate_partial_date
from app.rules.records import AliasRecord, MembershipRecord, OrganisationRecord

SOURCE = {"citation": "article", "quote": "Far-left"}


@pytest.mark.parametrize("value", ["2011", "2011-12", "2011-05-07", "2012-02-29"])
def test_partial_dates_at_any_precision_are_valid(value: str) -> None:
    assert validate_partial_date(value) == value


@pytest.mark.parametrize(
    "value",
    ["11", "2011-13", "2011-02-30", "2011-5-7", "May 2011", "2011-00", "0000", "0000-01-01"],
)
def test_malformed_or_impossible_dates_are_rejected(value: str) -> None:
    with pytest.raises(ValueError, match="date"):
        validate_partial_date(value)


def test_partial_dates_cover_whole_periods() -> None:
    assert (period_start("2011"), period_end("2011")) == ("2011-01-01", "2011-12-31")
    assert period_end("2012-02") == "2012-02-29"
    assert period_end("9999-12") == "9999-12-31"
    assert period_start("0001") == "0001-01-01"


def test_unknown_keys_are_errors_not_silently_dropped() -> None:
    with pytest.raises(ValidationError, match="founded"):
        OrganisationRecord.model_validate({"id": "x", "founded": "2006"})


def test_every_fact_needs_a_source() -> None:
    with pytest.raises(ValidationError, match="sources"):
        MembershipRecord.model_validate(
            {"person": "a", "organisation": "b", "role": "member", "sources": []}
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [("lang", "kk"), ("kind", "nickname"), ("start_date", "2011-13")],
)
def test_alias_fields_are_checked(field: str, value: str) -> None:
    alias = {"name": "QSQ", "lang": "kk-Latn", "kind": "abbreviation", "sources": [SOURCE]}
    with pytest.raises(ValidationError):
        AliasRecord.model_validate({**alias, field: value})


def test_citations_are_article_or_numbered_references() -> None:
    with pytest.raises(ValidationError, match="citation"):
        AliasRecord.model_validate(
            {
                "name": "x",
                "lang": "en",
                "kind": "other",
                "sources": [{"citation": "ref-0", "quote": "x"}],
            }
        )
