"""The roles a lexicon string can have, and the tokens (string and roles) a text scan finds."""

from __future__ import annotations

from typing import Any

from toolkit.preannotate.actors import ActorInfo
from toolkit.taxonomy import GazetteerEntry


class Roles:
    """What one lexicon string can be: a place, title, demonym, person, body, event trigger..."""

    __slots__ = (
        "body",
        "dem",
        "event",
        "gov_country",
        "hon",
        "mod",
        "opens_title",
        "person",
        "place",
        "place_attributes",
        "title",
    )

    def __init__(self) -> None:
        self.place: GazetteerEntry | None = None
        # Filled in once the roles are complete: LOCATION attributes without None values, the
        # country a country or capital name can stand for, and whether a title phrase can start.
        self.place_attributes: dict[str, str] = {}
        self.gov_country: str | None = None
        self.opens_title = False
        self.title: dict[str, Any] | None = None
        self.dem: str | None = None
        self.person: ActorInfo | None = None
        self.body: tuple[ActorInfo, bool] | None = None
        self.event: tuple[str, str | None] | None = None
        self.hon = False
        self.mod = False


# A lexicon string found in a text: start, end and its roles.
Token = tuple[int, int, Roles]
