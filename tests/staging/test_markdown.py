"""The Markdown splitter (pure Python): pieces by headings, section types from
heading levels, sort order by position, parents from nesting."""

from __future__ import annotations

import pytest

from staging.markdown import Piece, split_source


def shape(pieces: list[Piece]) -> list[tuple[int, str, str, int | None]]:
    return [(p.sort_order, p.section_type, p.heading, p.parent_piece_no) for p in pieces]


def test_a_multi_level_document() -> None:
    pieces = split_source(
        "Read this first.\n\n"
        "# Handbook\n\nThe handbook.\n\n"
        "## Leave\n\nHow leave works.\n\n"
        "### Sick leave\n\nTell your lead.\n\n"
        "#### Longer than a week\n\nBring a note.\n\n"
        "##### Fine print\n\n"
        "###### Finer print\n\nSmall.\n\n"
        "### Holidays\n\nBook early.\n\n"
        "## Expenses ##\n\nKeep receipts.\n"
    )
    assert shape(pieces) == [
        (1, "preamble", "", None),
        (2, "document", "Handbook", None),
        (3, "chapter", "Leave", 2),
        (4, "section", "Sick leave", 3),
        (5, "subsection", "Longer than a week", 4),
        (6, "paragraph", "Fine print", 5),
        # a level-6 heading under a level-5 one: both are paragraphs, so its container is the subsection
        (7, "paragraph", "Finer print", 5),
        (8, "section", "Holidays", 3),
        (9, "chapter", "Expenses", 2),
    ]
    assert [p.piece_no for p in pieces] == list(range(1, 10))
    assert pieces[0].text == "Read this first."
    assert pieces[3].text == "Tell your lead."
    assert pieces[5].text == ""
    assert pieces[-1].as_manifest() == {
        "piece_no": 9,
        "sort_order": 9,
        "section_type": "chapter",
        "heading": "Expenses",
        "parent_piece_no": 2,
        "text": "Keep receipts.",
    }


def test_no_preamble_when_the_document_starts_with_a_heading() -> None:
    assert shape(split_source("# A\n\ntext\n## B\n")) == [(1, "document", "A", None), (2, "chapter", "B", 1)]


def test_skipped_levels_and_several_roots() -> None:
    pieces = split_source("## One\n\n#### Deep\n\n## Two\n\n# Title later\n\n### Under it\n")
    assert shape(pieces) == [
        (1, "chapter", "One", None),
        (2, "subsection", "Deep", 1),
        (3, "chapter", "Two", None),
        (4, "document", "Title later", None),
        (5, "section", "Under it", 4),
    ]


def test_headings_in_fenced_code_are_text() -> None:
    pieces = split_source("# Doc\n\n```sh\n# not a heading\n```\n\n~~~\n## nor this\n~~~\n\n## Real\n")
    assert shape(pieces) == [(1, "document", "Doc", None), (2, "chapter", "Real", 1)]
    assert "# not a heading" in pieces[0].text and "## nor this" in pieces[0].text


def test_setext_headings() -> None:
    pieces = split_source("Title\n=====\n\nIntro.\n\nPart one\n--------\n\nBody.\n\n- item\n---\n")
    assert shape(pieces) == [(1, "document", "Title", None), (2, "chapter", "Part one", 1)]
    assert pieces[1].text == "Body.\n\n- item\n---"


def test_front_matter_is_preamble() -> None:
    pieces = split_source("---\ntitle: x\nowner: y\n---\n\n# Doc\n")
    assert shape(pieces) == [(1, "preamble", "", None), (2, "document", "Doc", None)]
    assert pieces[0].text == "---\ntitle: x\nowner: y\n---"


def test_not_headings() -> None:
    pieces = split_source("#hashtag\n\n    # indented code\n\n\\# escaped\n", title="notes")
    assert shape(pieces) == [(1, "document", "notes", None), (2, "paragraph", "", 1), (3, "paragraph", "", 1),
                             (4, "paragraph", "", 1)]  # fmt: skip


def test_a_text_file_without_headings_becomes_a_document_of_paragraphs() -> None:
    pieces = split_source("First block\nstill first.\n\n\nSecond block.\r\n\r\nThird.", title="minutes")
    assert shape(pieces) == [
        (1, "document", "minutes", None),
        (2, "paragraph", "", 1),
        (3, "paragraph", "", 1),
        (4, "paragraph", "", 1),
    ]
    assert [p.text for p in pieces[1:]] == ["First block\nstill first.", "Second block.", "Third."]


def test_empty_heading_and_closing_hashes() -> None:
    pieces = split_source("#\n\n## Title ##  \n\n## C# is a language\n")
    assert [p.heading for p in pieces] == ["", "Title", "C# is a language"]


@pytest.mark.parametrize("text", ["", "  \n\n\t\n", "\ufeff"])
def test_an_empty_source_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="nothing to mark"):
        split_source(text)
