"""The infobox: labelled fields, a label glued to its value or followed by value lines."""

from __future__ import annotations

from dataclasses import dataclass, field

LABELS = (
    "Kazakh name",
    "Russian name",
    "Chairperson(s)",
    "Founded",
    "Headquarters",
    "Newspaper",
    "Ideology",
    "Political position",
    "International affiliation",
    "Colours",
    "Party flag",
    "Website",
)


@dataclass
class InfoboxField:
    label: str
    # Each value with the verbatim line that carries it (the quote for its source).
    values: list[tuple[str, str]] = field(default_factory=list)

    def first(self) -> tuple[str, str]:
        if not self.values:
            raise ValueError(f"infobox field {self.label!r} has no value")
        return self.values[0]


def parse_infobox(block: list[str]) -> tuple[str, dict[str, InfoboxField]]:
    """Return the infobox's heading (the name) and its fields by label."""
    heading, *rest = block
    fields: dict[str, InfoboxField] = {}
    current: InfoboxField | None = None
    for line in rest:
        label = next((lab for lab in LABELS if line.startswith(lab)), None)
        if label is not None:
            current = fields.setdefault(label, InfoboxField(label))
            value = line[len(label) :].strip()
            if value:
                current.values.append((value, line))
        elif current is not None:
            current.values.append((line.strip(), line))
    return heading, fields
