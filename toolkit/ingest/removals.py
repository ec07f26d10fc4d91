"""Pieces of the source left out of the text: Removal and its REMOVAL_REASONS."""

from __future__ import annotations

from dataclasses import dataclass

REMOVAL_REASONS = (
    "html-script",
    "html-style",
    "html-iframe",
    "html-noscript",
    "html-template",
    "html-svg",
    "html-object",
    "html-comment",
    "aggregator-disclaimer",
    "repeated-caption",
    "photo-caption",
    "language-switcher",
    "navigation",
    "dateline",
    "repeated-paragraph",
    "headline",
    "byline",
    "trailing-unrelated-block",
    "not-main-content",
    "comments",
    "related",
    "share",
    "newsletter",
    "advertisement",
    "footer",
    "sidebar",
)
"""Every reason a Removal can give."""


@dataclass(frozen=True, slots=True)
class Removal:
    """A piece of the source left out of the text, and why (one of REMOVAL_REASONS).

    One Removal per removed paragraph, paragraph prefix ("date 2023-06-19"), HTML element, or
    multi-paragraph unit (a language menu, a trailing block); paragraphs joined by a blank line.
    """

    reason: str
    text: str
