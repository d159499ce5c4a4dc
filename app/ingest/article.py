"""The article as text: its title, its infobox block, and its sections by heading."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.core.text import normalise_whitespace

HEADINGS = ("Contents", "History", "Policies", "Notes", "Related Research Articles", "References")


@dataclass(frozen=True)
class Article:
    text: str

    @classmethod
    def from_file(cls, path: Path) -> Article:
        return cls(path.read_text(encoding="utf-8"))

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @property
    def title(self) -> str:
        return self.lines[0].strip()

    @property
    def normalised(self) -> str:
        return normalise_whitespace(self.text)

    def contains(self, quote: str) -> bool:
        """True when ``quote`` is a verbatim substring of the article, whitespace normalised."""
        return normalise_whitespace(quote) in self.normalised

    def infobox(self) -> list[str]:
        """The first block of non-blank lines after the "Last updated" line."""
        lines = self.lines
        start = next(i for i, line in enumerate(lines) if line.strip() == "Last updated") + 1
        while not lines[start].strip():
            start += 1
        block: list[str] = []
        for line in lines[start:]:
            if not line.strip():
                break
            block.append(normalise_whitespace(line))
        return block

    def lead(self) -> str:
        """The first paragraph after the infobox."""
        lines = self.lines
        infobox = self.infobox()
        end = lines.index(infobox[-1]) + 1
        for line in lines[end:]:
            if line.strip():
                return line.strip()
        raise ValueError("the article has no lead paragraph")

    def section(self, heading: str) -> list[str]:
        """The lines under ``heading`` up to the next known heading (blank lines kept)."""
        lines = self.lines
        try:
            start = next(i for i, line in enumerate(lines) if line.strip() == heading) + 1
        except StopIteration:
            raise ValueError(f"the article has no {heading!r} section") from None
        out: list[str] = []
        for line in lines[start:]:
            if line.strip() in HEADINGS:
                break
            out.append(line)
        return out
