"""Where a segment's data physically lives: the tables, key, join and time columns the compiler reads.

The checked tree names only scopes and owners (`customer`, a lookup, an event); a TableMap, built from the
schema model, tells the compiler which tables and columns they are. Imports segql.schema only for
`from_schema`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from segql.schema import Schema


class LookupTable(NamedTuple):
    """A many-to-one table joined to the customer row: LEFT JOIN table AS <lookup> ON <lookup>.l = c.c."""

    table: tuple[str, ...]  # ("crm", "addresses")
    on: Mapping[str, str]  # customer column -> lookup column


class EventTable(NamedTuple):
    """A one-to-many table of facts about customers over time."""

    table: tuple[str, ...]  # ("sales", "orders")
    key: str  # the column holding the customer key
    time: str | None  # the event-time column, None when the event has none
    time_type: str = "timestamp"  # "date" or "timestamp" (naive, read as UTC)


@dataclass(frozen=True, slots=True)
class TableMap:
    """customer: the customer table's name parts; key: its key column (physical names throughout)."""

    customer: tuple[str, ...]
    key: str
    lookups: Mapping[str, LookupTable] = field(default_factory=dict)
    events: Mapping[str, EventTable] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # plain tuples are accepted too: (table, on) and (table, key, time, time_type)
        object.__setattr__(self, "lookups", {k: LookupTable(*v) for k, v in self.lookups.items()})
        object.__setattr__(self, "events", {k: EventTable(*v) for k, v in self.events.items()})

    @classmethod
    def from_schema(cls, schema: Schema) -> TableMap:
        lookups = {name: LookupTable(lk.table, dict(lk.on)) for name, lk in schema.lookups.items()}
        events = {
            name: EventTable(ev.table, ev.key, ev.time, ev.time_type.kind if ev.time_type else "timestamp")
            for name, ev in schema.events.items()
        }
        return cls(schema.table, schema.key_column, lookups, events)
