"""docs/security.md, "Payloads": transient payloads (qg_safe_payload) carry no content, vectors or
secrets at any depth, and their size is capped by queue.payload.max_bytes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from queuegov.errors import PayloadRejected, translate
from tests.database import as_owner
from tests.helpers import config_value, db_error, sql_exec, sql_value

pytestmark = pytest.mark.django_db

PROHIBITED_KEYS = [
    "body",
    "content",
    "raw",
    "vector",
    "embedding",
    "secret",
    "token",
    "password",
    "ssn",
    "personal_data",
]


def check(payload: Any) -> Any:
    """Cast a payload to the domain, the way every payload column does."""
    return sql_value("SELECT %s::jsonb::qg_safe_payload", [json.dumps(payload)])


@pytest.mark.parametrize("key", PROHIBITED_KEYS)
def test_each_prohibited_key_is_refused(key: str) -> None:
    with db_error(constraint="payload_prohibited_key", sqlstate="23514") as err:
        check({"ref": "doc:1", key: "x"})
    assert err.message == f"payload_prohibited_key: {key} at $.{key}"
    assert "prohibited keys: body, content" in err.diag.message_hint
    assert isinstance(translate(err.exception), PayloadRejected)


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ({"a": {"b": {"embedding": 1}}}, "embedding at $.a.b.embedding"),
        ({"a": {"b": {"c": {"embedding": 1}}}}, "embedding at $.a.b.c.embedding"),
        ({"items": [{"ok": 1}, {"vector": [0.1, 0.2]}]}, "vector at $.items[1].vector"),
        ([{"token": "t"}], "token at $[0].token"),
        ([[1, {"secret": None}]], "secret at $[0][1].secret"),
        ({"a": [{"b": [{"ssn": "1"}]}]}, "ssn at $.a[0].b[0].ssn"),
        ({"Embedding": 1}, "Embedding at $.Embedding"),
        ({"meta": {"PassWord": "x"}}, "PassWord at $.meta.PassWord"),
        ({"PERSONAL_DATA": {}}, "PERSONAL_DATA at $.PERSONAL_DATA"),
        ({"content": None}, "content at $.content"),  # even an empty value: the key itself is the leak
    ],
)
def test_prohibited_key_found_at_any_depth_with_its_path(payload: Any, where: str) -> None:
    with db_error(constraint="payload_prohibited_key") as err:
        check(payload)
    assert err.message == f"payload_prohibited_key: {where}"


@pytest.mark.parametrize(
    ("key", "reads_as"),
    [
        (" body", "body"),
        ("body ", "body"),
        ("\tbody\n", "body"),
        ("body\u200b", "body"),  # zero-width space (a format character)
        ("\u200dtoken", "token"),  # zero-width joiner
        ("pass\u00adword", "password"),  # soft hyphen
        ("\ufeffsecret", "secret"),  # byte-order mark
        ("\uff54\uff4f\uff4b\uff45\uff4e", "token"),  # fullwidth "token"
        ("\u212aey", None),  # Kelvin sign K: not a prohibited word, just checks it is not mangled
        ("\uff25\uff2d\uff22\uff25\uff24\uff24\uff29\uff2e\uff27", "embedding"),  # fullwidth capitals
        ("pa\u00dfword", "password"),  # ß case-folds to ss
        ("Pass-Word", "password"),
        ("pass.word", "password"),
        ("personal data", "personaldata"),
        ("personalData", "personaldata"),
        ("personal-data", "personaldata"),
        ("s_s_n", "ssn"),
        ("\u00a0raw\u3000", "raw"),  # no-break and ideographic spaces
        ("t\u034foken", "token"),  # combining grapheme joiner (default-ignorable, not Cf)
        ("token\ufe0f", "token"),  # variation selector
        ("pass\u3164word", "password"),  # Hangul filler
        ("s\u180bsn", "ssn"),  # Mongolian variation selector
    ],
)
def test_keys_are_compared_after_nfkc_case_folding_and_without_invisible_characters(
    key: str, reads_as: str | None
) -> None:
    payload = {"ref": "doc:1", "meta": {key: 1}}
    if reads_as is None:
        assert json.loads(check(payload)) == payload
        return
    with db_error(constraint="payload_prohibited_key", sqlstate="23514") as err:
        check(payload)
    assert err.message.startswith("payload_prohibited_key: ")
    # (the message's trailing whitespace is trimmed with the key's)
    assert err.message.endswith(f" at $.meta.{key}".rstrip())
    if not key.replace("_", "").isalpha() or not key.isascii():
        assert f"(read as {reads_as})" in err.message


@pytest.mark.parametrize(
    "key", ["api_token", "token_count", "content_hash", "raw_bytes", "body_sha256", "secret_ref", "password_policy"]
)
def test_keys_that_merely_contain_a_prohibited_word_are_accepted(key: str) -> None:
    # The documented decision (docs/security.md): metadata about content is what payloads are for.
    assert json.loads(check({key: "x"})) == {key: "x"}


def test_the_rule_holds_through_the_job_api(actor, open_gate) -> None:
    open_gate("queue.job_substrate.enabled")
    actor("user:anna")
    with db_error(constraint="payload_prohibited_key"):
        sql_value("SELECT fn_job_enqueue('queuegov.noop', %s::jsonb)", [json.dumps({"pass\u00adword": "x"})])


def test_unicode_escaped_key_is_still_refused() -> None:
    # jsonb normalises "\u0062ody" to "body": an escape cannot smuggle the key in.
    with db_error(constraint="payload_prohibited_key", match=r"body at \$\.body"):
        sql_value("""SELECT '{"\\u0062ody": 1}'::jsonb::qg_safe_payload""")


@pytest.mark.parametrize(
    "payload",
    [
        {"kind": "embedding", "field": "password", "note": "body"},  # prohibited words as values
        ["body", "content", {"x": ["vector", "token"]}],
        "secret",
        {"tokenizer": "bpe", "content_type": "text/plain", "raw_ref": "s3://x", "body_hash": "abc"},
        {"embedding_model": "m", "password_policy": "p", "my_secret_ref": "vault:1", "ssn_present": False},
        {"a": {"b": {"c": {"vector_excluded": True}}}},
        {},
        [],
        None,
    ],
)
def test_safe_payloads_are_accepted(payload: Any) -> None:
    assert json.loads(check(payload)) == payload


def test_payload_domain_checks_table_writes() -> None:
    sql_exec("CREATE TEMP TABLE payload_probe (id int, payload qg_safe_payload)")
    sql_exec("""INSERT INTO payload_probe VALUES (1, '{"ref": "doc:1"}')""")
    with db_error(constraint="payload_prohibited_key", match=r"raw at \$\.x\.raw"):
        sql_exec("""UPDATE payload_probe SET payload = '{"x": {"raw": 1}}' WHERE id = 1""")
    with db_error(constraint="payload_prohibited_key"):
        sql_exec("""INSERT INTO payload_probe VALUES (2, '[{"Vector": [1]}]')""")
    assert sql_value("SELECT count(*) FROM payload_probe") == 1


# ---------------------------------------------------------------------------
# Size cap
# ---------------------------------------------------------------------------
def payload_of(size: int) -> str:
    """A JSON text whose jsonb rendering is exactly ``size`` bytes."""
    text = json.dumps({"x": "a" * (size - len('{"x": ""}'))})
    assert sql_value("SELECT octet_length(%s::jsonb::text)", [text]) == size
    return text


def assert_size(payload: str, column: str = "payload") -> None:
    sql_value("SELECT fn_payload_assert_size(%s::jsonb, %s)", [payload, column])


def test_default_cap_is_65536() -> None:
    assert config_value("queue.payload.max_bytes") == 65536
    assert_size(payload_of(65536))  # at the cap: accepted
    with db_error(sqlstate="QG007") as err:
        assert_size(payload_of(65537))
    assert err.message == "payload_too_large: payload is 65537 bytes; queue.payload.max_bytes is 65536"
    assert isinstance(translate(err.exception), PayloadRejected)


def test_error_names_the_column() -> None:
    with db_error(sqlstate="QG007", match=r"^payload_too_large: capture_payload is 70000 bytes") as err:
        assert_size(payload_of(70000), "capture_payload")
    assert err.diag.column_name == "capture_payload"


def test_null_and_small_payloads_pass() -> None:
    sql_exec("SELECT fn_payload_assert_size(NULL::jsonb)")
    assert_size(payload_of(1000))


def test_lowered_cap_changed_the_governed_way(set_config) -> None:
    assert_size(payload_of(300))
    set_config("queue.payload.max_bytes", 256)
    assert config_value("queue.payload.max_bytes") == 256
    assert_size(payload_of(256))
    with db_error(sqlstate="QG007", match=r"payload is 300 bytes; queue.payload.max_bytes is 256$"):
        assert_size(payload_of(300))


def test_cap_counts_bytes_not_characters(set_config) -> None:
    set_config("queue.payload.max_bytes", 256)
    text = json.dumps({"x": "é" * 200}, ensure_ascii=False)
    assert sql_value("SELECT length(%s::jsonb::text) < 256 AND octet_length(%s::jsonb::text) > 256", [text, text])
    with db_error(sqlstate="QG007"):
        assert_size(text)


def test_size_trigger_guards_named_columns(set_config) -> None:
    set_config("queue.payload.max_bytes", 256)
    with as_owner():
        _size_probe()


def _size_probe() -> None:
    # The trigger function is the owner's (internal): the probe table is too.
    sql_exec("CREATE TEMP TABLE size_probe (id int, payload jsonb, result jsonb)")
    sql_exec(
        "CREATE TRIGGER size_probe_cap BEFORE INSERT OR UPDATE ON size_probe"
        " FOR EACH ROW EXECUTE FUNCTION fn_payload_size_trigger('payload', 'result')"
    )
    sql_exec("INSERT INTO size_probe VALUES (1, %s::jsonb, NULL)", [payload_of(256)])
    with db_error(sqlstate="QG007", match=r"^payload_too_large: result is 257 bytes"):
        sql_exec("UPDATE size_probe SET result = %s::jsonb WHERE id = 1", [payload_of(257)])
    with db_error(sqlstate="QG007", match=r"^payload_too_large: payload is 400 bytes"):
        sql_exec("INSERT INTO size_probe VALUES (2, %s::jsonb, NULL)", [payload_of(400)])
    assert sql_value("SELECT count(*) FROM size_probe") == 1
