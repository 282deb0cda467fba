"""Split a Markdown or plain-text source into the pieces of a staging manifest.

Pure Python, no database. Each heading starts a piece whose text runs to the
next heading; the heading level gives the section type (1 document, 2
chapter, 3 section, 4 subsection, 5-6 paragraph); text before the first
heading is the preamble. sort_order is the position in the document and a
piece's parent is the nearest heading before it that ranks above it, so the
manifest passes verify-mark's axes A, B and C by construction. A source
without headings becomes one document piece with a paragraph piece per block.

ATX (``## Title``) and setext (``Title`` underlined with ``===`` / ``---``)
headings are recognised; headings inside fenced code blocks and a leading
YAML front-matter block are not headings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

SECTION_TYPE_BY_LEVEL = {1: "document", 2: "chapter", 3: "section", 4: "subsection", 5: "paragraph", 6: "paragraph"}
RANK = {"document": 1, "chapter": 2, "section": 3, "subsection": 4, "paragraph": 5}

_ATX = re.compile(r"^ {0,3}(#{1,6})(?=[ \t]|$)(.*)$")
_ATX_CLOSING = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_NOT_A_PARAGRAPH = re.compile(r"^ {0,3}([-*+>|]|\d+[.)])(\s|$)")


@dataclass(frozen=True)
class Piece:
    """One piece of a manifest, as fn_iu_mark_create_manifest takes it."""

    piece_no: int
    sort_order: int
    section_type: str
    heading: str
    parent_piece_no: int | None
    text: str

    def as_manifest(self) -> dict[str, Any]:
        return {
            "piece_no": self.piece_no,
            "sort_order": self.sort_order,
            "section_type": self.section_type,
            "heading": self.heading,
            "parent_piece_no": self.parent_piece_no,
            "text": self.text,
        }


@dataclass(frozen=True)
class _Heading:
    line: int  # index of the heading's first line
    end: int  # index after the heading's last line (setext headings have two)
    level: int
    title: str


def split_source(text: str, *, title: str = "") -> list[Piece]:
    """The pieces of ``text``: by headings when it has any, else by blocks.

    Args:
        text: the source, already decoded.
        title: the heading of the document piece of a source without headings
            (e.g. the file name).

    Raises:
        ValueError: the source is empty or only whitespace.
    """
    lines = _lines(text)
    if not any(line.strip() for line in lines):
        raise ValueError("nothing to mark: the source is empty")
    headings = find_headings(lines)
    if not headings:
        return _split_blocks(lines, title)
    return _split_headings(lines, headings)


def find_headings(lines: list[str]) -> list[_Heading]:
    """ATX and setext headings outside fenced code and front matter."""
    found: list[_Heading] = []
    fence: str | None = None
    start = _front_matter_end(lines)
    for i in range(start, len(lines)):
        line = lines[i]
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            continue
        atx = _ATX.match(line)
        if atx:
            title = _ATX_CLOSING.sub("", atx.group(2).strip()).strip()
            found.append(_Heading(i, i + 1, len(atx.group(1)), title))
            continue
        underline = _SETEXT.match(line)
        if underline and i > start and _is_setext_text(lines, i - 1, start, found):
            level = 1 if underline.group(1)[0] == "=" else 2
            # the text line was not a heading on its own: replace nothing, add the pair
            found.append(_Heading(i - 1, i + 1, level, lines[i - 1].strip()))
    return found


def _is_setext_text(lines: list[str], j: int, start: int, found: list[_Heading]) -> bool:
    text = lines[j]
    if not text.strip() or _NOT_A_PARAGRAPH.match(text) or _ATX.match(text) or _FENCE.match(text):
        return False
    if found and found[-1].end > j:
        return False
    # a one-line paragraph: the line before it is blank, the start, or the end of a heading
    return j == start or not lines[j - 1].strip() or bool(found and found[-1].end == j)


def _split_headings(lines: list[str], headings: list[_Heading]) -> list[Piece]:
    pieces: list[Piece] = []
    preamble = _block(lines[: headings[0].line])
    if preamble:
        pieces.append(Piece(1, 1, "preamble", "", None, preamble))
    stack: list[tuple[int, int]] = []  # (rank, piece_no) of the open containers
    for k, heading in enumerate(headings):
        number = len(pieces) + 1
        section_type = SECTION_TYPE_BY_LEVEL[heading.level]
        rank = RANK[section_type]
        while stack and stack[-1][0] >= rank:
            stack.pop()
        parent = stack[-1][1] if stack else None
        stack.append((rank, number))
        end = headings[k + 1].line if k + 1 < len(headings) else len(lines)
        pieces.append(Piece(number, number, section_type, heading.title, parent, _block(lines[heading.end : end])))
    return pieces


def _split_blocks(lines: list[str], title: str) -> list[Piece]:
    pieces = [Piece(1, 1, "document", title, None, "")]
    block: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            block.append(line)
        elif block:
            number = len(pieces) + 1
            pieces.append(Piece(number, number, "paragraph", "", 1, _block(block)))
            block = []
    return pieces


def _front_matter_end(lines: list[str]) -> int:
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() in ("---", "..."):
                return i + 1
    return 0


def _lines(text: str) -> list[str]:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _block(lines: list[str]) -> str:
    """The lines without leading and trailing blank lines."""
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    last = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip()), -1)
    return "\n".join(lines[first : last + 1])
