"""MARK through the SQL API (fn_iu_op_mark_file → fn_iu_mark_create_manifest):
the manifest and its pieces, the digest, expiry from the setting, idempotency
on idempotency_key and content_hash, bad input, the run row and the event."""

from __future__ import annotations

import json

import pytest

from tests.helpers import db_error, sql_rows, sql_value
from tests.staging.conftest import CLEAN_PIECES, MARKER, SOURCE, SOURCE_HASH, clean_pieces

pytestmark = pytest.mark.django_db


def test_mark_records_a_pending_manifest_and_its_pieces(iu) -> None:
    answer = iu.mark()
    assert answer["status"] == "created" and answer["pieces"] == 5
    record = iu.record(answer["record_id"])
    assert record["lifecycle_status"] == "pending_review"
    assert record["vector_excluded"] is True
    assert record["marked_by"] == MARKER
    assert record["doc_code"] == "HANDBOOK" and record["piece_count"] == 5
    assert (record["source_ref"], record["source_hash"], record["source_bytes"]) == (
        "/docs/handbook.md",
        SOURCE_HASH,
        len(SOURCE),
    )
    assert record["idempotency_key"] == f"file:/docs/handbook.md:{SOURCE_HASH}"
    rows = sql_rows(
        "SELECT piece_no, sort_order, section_type, heading, parent_piece_no, piece_text, piece_hash = md5(piece_text)"
        " FROM iu_staging_payload WHERE record_id = %s ORDER BY piece_no",
        [answer["record_id"]],
    )
    assert [r[:6] for r in rows] == [
        (p["piece_no"], p["sort_order"], p["section_type"], p["heading"], p["parent_piece_no"], p["text"])
        for p in CLEAN_PIECES
    ]
    assert all(r[6] for r in rows)


def test_expiry_is_marked_at_plus_the_staging_ttl_setting(iu, set_config) -> None:
    record = iu.record(iu.marked())
    assert sql_value(
        "SELECT %s::timestamptz - %s::timestamptz = interval '15 days'", [record["expires_at"], record["marked_at"]]
    )
    set_config("iu_core.staging_ttl_days", 3)
    record = iu.record(iu.marked(key="second"))
    assert sql_value(
        "SELECT %s::timestamptz - %s::timestamptz = interval '3 days'", [record["expires_at"], record["marked_at"]]
    )


def test_digest_is_md5_of_source_hash_source_bytes_and_pieces(iu) -> None:
    record_id = iu.marked()
    # the formula of docs/staging.md, written out independently of fn_iu_manifest_pieces
    expected = sql_value(
        "SELECT md5(r.source_hash || r.source_bytes::text || ("
        "  SELECT jsonb_agg(jsonb_build_object('piece_no', piece_no, 'sort_order', sort_order,"
        "         'section_type', section_type, 'heading', heading, 'parent_piece_no', parent_piece_no,"
        "         'piece_hash', md5(piece_text)) ORDER BY piece_no)"
        "  FROM iu_staging_payload WHERE record_id = r.id)::text)"
        " FROM iu_staging_record r WHERE r.id = %s",
        [record_id],
    )
    record = iu.record(record_id)
    assert record["digest"] == expected and len(expected) == 32
    # content_hash covers the pieces only; the digest also binds the source
    other = iu.record(iu.marked(source_hash="0" * 64, key="same pieces, other source"))
    assert other["content_hash"] == record["content_hash"] and other["digest"] != record["digest"]


def test_same_key_same_content_is_a_duplicate_no_op(iu) -> None:
    first = iu.mark()
    again = iu.mark()
    assert again["status"] == "duplicate" and again["record_id"] == first["record_id"]
    assert sql_value("SELECT count(*) FROM iu_staging_record") == 1
    assert iu.pieces_of(first["record_id"]) == 5
    # the no-op is in the ledger, but nothing new was captured
    assert [r[:3] for r in iu.runs(first["record_id"])] == [
        ("mark_file", "apply", "succeeded"),
        ("mark_file", "apply", "duplicate"),
    ]
    assert iu.captures(first["record_id"]) == ["staging.record_created"]


def test_same_key_other_content_is_refused(iu) -> None:
    iu.marked(key="handbook-v1")
    with db_error(sqlstate="QG003", match=r"^idempotency_conflict: handbook-v1 was marked as staging record \d+"):
        iu.mark(clean_pieces(p5={"text": "Keep all receipts."}), key="handbook-v1")
    assert sql_value("SELECT count(*) FROM iu_staging_record") == 1


def test_a_changed_file_is_a_new_manifest(iu) -> None:
    first = iu.marked()
    second = iu.marked(clean_pieces(p5={"text": "Keep all receipts."}), source_hash="1" * 64)
    assert second != first
    assert {iu.status(first), iu.status(second)} == {"pending_review"}


def test_doc_code_defaults_to_the_file_name(iu) -> None:
    record_id = iu.marked(source_ref="/srv/kb/travel-policy.v2.md", doc_code=None)
    assert iu.record(record_id)["doc_code"] == "TRAVEL-POLICY.V2"


def test_mark_needs_an_actor(iu, actor) -> None:
    actor.clear()
    with db_error(sqlstate="QG001", match=r"^actor_required: "):
        iu.call("SELECT fn_iu_op_mark_file('/x.md', %s, 1, %s::jsonb)", SOURCE_HASH, json.dumps(CLEAN_PIECES), as_=None)


@pytest.mark.parametrize(
    ("pieces", "message"),
    [
        ([], r"^invalid_manifest: pieces must be a non-empty JSON array"),
        ({"piece_no": 1}, r"^invalid_manifest: pieces must be a non-empty JSON array"),
        (["text"], r"^invalid_manifest: element 1 of pieces is not an object"),
        ([{"text": "x"}], r"^invalid_manifest: element 1 of pieces needs piece_no"),
        ([{"piece_no": 0, "text": "x"}], r"needs piece_no, a positive integer"),
        ([{"piece_no": "1", "text": "x"}], r"needs piece_no, a positive integer"),
        ([{"piece_no": 1}], r"^invalid_manifest: piece 1 needs text, a string"),
        ([{"piece_no": 1, "text": "x", "sort_order": 1.5}], r"sort_order must be an integer or null"),
        ([{"piece_no": 1, "text": "x", "parent_piece_no": "2"}], r"parent_piece_no must be an integer or null"),
        ([{"piece_no": 1, "text": "x", "section_type": 3}], r"section_type and heading must be strings"),
        ([{"piece_no": 1, "text": "x"}, {"piece_no": 1, "text": "y"}], r"^invalid_manifest: piece_no 1 appears more"),
        ([{"piece_no": 1, "text": "x", "embedding": [0.1, 0.2]}], r"^no_vector_in_staging: piece 1 carries"),
        ([{"piece_no": 1, "text": "x", "Vector_ref": "v:1"}], r"^no_vector_in_staging: "),
    ],
)
def test_bad_manifests_are_refused(iu, pieces, message: str) -> None:
    with db_error(sqlstate="QG004", match=message):
        iu.mark(pieces)
    assert sql_value("SELECT count(*) FROM iu_staging_record") == 0
    assert sql_value("SELECT count(*) FROM dot_iu_command_run") == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"source_hash": "not-hex"}, r"^invalid_manifest: source_hash must be a hex digest"),
        ({"source_bytes": -1}, r"^invalid_manifest: source_bytes must be >= 0"),
        ({"doc_code": "bad code!"}, r"^invalid_manifest: doc_code 'bad code!' must match"),
        ({"source_ref": " "}, r"^invalid_manifest: a source_ref is required"),
    ],
)
def test_bad_source_metadata_is_refused(iu, kwargs, message: str) -> None:
    with db_error(sqlstate="QG004", match=message):
        iu.mark(**kwargs)


def test_mark_writes_its_run_row_and_captures_record_created(iu) -> None:
    answer = iu.mark()
    run = iu.run(answer["run_id"])
    assert (run["command"], run["run_mode"], run["run_status"], run["actor"], run["record_id"]) == (
        "mark_file",
        "apply",
        "succeeded",
        MARKER,
        answer["record_id"],
    )
    assert len(run["params_digest"]) == 32 and run["finished_at"] is not None
    assert run["params"]["source_hash"] == SOURCE_HASH and run["params"]["pieces"] == 5
    assert set(run["gate_snapshot"]) == {"event.emit_enabled", "iu_core.staging_ttl_days"}
    assert run["gate_snapshot"]["iu_core.staging_ttl_days"] == 15
    assert run["evidence"]["digest"] == answer["digest"]
    (capture,) = sql_rows(
        "SELECT event_type, event_subject_table, event_subject_ref, stable_key, causation_id, actor, capture_payload"
        " FROM event_pending WHERE event_type LIKE 'staging.%%'"
    )
    record_ref = f"iu_staging_record:{answer['record_id']}"
    assert capture[:6] == (
        "staging.record_created",
        "iu_staging_record",
        str(answer["record_id"]),
        record_ref,
        f"dot_iu_command_run:{answer['run_id']}",
        MARKER,
    )
    payload = json.loads(capture[6]) if isinstance(capture[6], str) else capture[6]
    assert payload["pieces"] == 5 and "text" not in payload


def test_the_same_parameters_have_the_same_params_digest(iu) -> None:
    first = iu.run(iu.mark()["run_id"])
    second = iu.run(iu.mark()["run_id"])
    assert first["params_digest"] == second["params_digest"]
