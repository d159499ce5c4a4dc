"""Curation: the write half of the API (API keys, entity and fact writes, revert)."""
