"""The SQL cron (fn_cron_parse / fn_cron_next) agrees with croniter, and refuses
malformed expressions with cron_expression_invalid."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from croniter import croniter

from tests.helpers import db_error, sql_rows, sql_value

pytestmark = pytest.mark.django_db

EXPRESSIONS = [
    "* * * * *",
    "*/15 * * * *",
    "5/15 * * * *",
    "1-59/2 * * * *",
    "0 * * * *",
    "30 2 * * *",
    "15,45 8,20 * * *",
    "0-10/5 */6 * * *",
    "0 9-17 * * mon-fri",
    "0 9-17/2 * * 1-5",
    "*/7 * * * sat,sun",
    "0 0 1 * *",
    "0 0 1,15 * *",
    "0 4 8-14 * *",
    "0 0 31 * *",
    "0 0 29 2 *",
    "59 23 31 12 *",
    "0 0 * * 0",
    "0 0 * * 7",
    "0 12 * * 5-7",
    "0 0 13 * 5",  # the 13th OR any Friday: both day fields restricted (cron OR rule)
    "0 0 1-7 * 1",
    "0 6 * jan,jul *",
    "0 0 1 JAN-MAR,OCT *",
    "@hourly",
    "@daily",
    "@midnight",
    "@weekly",
    "@monthly",
    "@yearly",
    "@annually",
]

STARTS = [
    datetime(2024, 1, 1, 0, 0, tzinfo=UTC),  # a Monday, exactly on many slots
    datetime(2024, 2, 28, 23, 59, 30, tzinfo=UTC),  # leap day next
    datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC),  # year rollover
    datetime(2025, 3, 9, 10, 17, tzinfo=UTC),
    datetime(2026, 7, 15, 12, 0, 1, tzinfo=UTC),
]
SLOTS = 3  # successive slots compared from each start


def sql_next(expression: str, start: datetime) -> list[datetime]:
    [row] = sql_rows(
        "SELECT a, b, c FROM (SELECT fn_cron_next(%(e)s, %(s)s) AS a) x,"
        " LATERAL (SELECT fn_cron_next(%(e)s, a) AS b) y, LATERAL (SELECT fn_cron_next(%(e)s, b) AS c) z",
        {"e": expression, "s": start},
    )
    return list(row)


def croniter_next(expression: str, start: datetime) -> list[datetime]:
    it = croniter(expression, start)
    return [it.get_next(datetime).astimezone(UTC) for _ in range(SLOTS)]


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_fn_cron_next_agrees_with_croniter(expression: str) -> None:
    for start in STARTS:
        assert sql_next(expression, start) == croniter_next(expression, start), (expression, start)


def test_leap_day_schedule_skips_to_the_next_leap_year() -> None:
    after = datetime(2024, 3, 1, tzinfo=UTC)
    assert sql_next("0 0 29 2 *", after) == [
        datetime(2028, 2, 29, tzinfo=UTC),
        datetime(2032, 2, 29, tzinfo=UTC),
        datetime(2036, 2, 29, tzinfo=UTC),
    ]


# A day field starting with "*" but stepped ("*/2") must still restrict the
# days. Vixie cron and croniter agree when the other day field is "*".
@pytest.mark.parametrize("expression", ["0 0 */2 * *", "0 0 * * */2", "30 6 */10 * *"])
def test_stepped_star_day_fields_restrict_the_days(expression: str) -> None:
    for start in STARTS:
        assert sql_next(expression, start) == croniter_next(expression, start), (expression, start)


def test_parse_normalises_names_and_sunday() -> None:
    parsed = sql_value("SELECT row_to_json(fn_cron_parse('0 9 * JAN,dec MON-FRI,7'))::text")
    assert '"months":[1,12]' in parsed and '"dows":[0,1,2,3,4,5]' in parsed
    assert '"dom_any":true' in parsed and '"dow_any":false' in parsed


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("61 * * * *", r"minute field '61' .* out of range 0-59"),
        ("* 24 * * *", r"hour field '24' .* out of range 0-23"),
        ("* * 0 * *", r"day-of-month field '0' .* out of range 1-31"),
        ("* * * 13 *", r"month field '13' .* out of range 1-12"),
        ("* * * * 8", r"day-of-week field '8' .* out of range 0-7"),
        ("* * * *", r"has 4 fields; expected 5"),
        ("* * * * * *", r"has 6 fields; expected 5"),
        ("", r"has 0 fields; expected 5"),
        ("@every_minute", r"has 1 fields; expected 5"),
        ("a-b * * * *", r"malformed minute field 'a-b'"),
        ("*/0 * * * *", r"minute field '\*/0' .* out of range"),
        ("5-1 * * * *", r"minute field '5-1' .* out of range"),
        ("1,,2 * * * *", r"malformed minute field ''"),
        ("-1 * * * *", r"malformed minute field '-1'"),
        ("*/5/2 * * * *", r"malformed minute field"),
        ("0 0 31 2 *", r"never fires within 10 years"),
    ],
)
def test_malformed_expressions_are_refused(expression: str, message: str) -> None:
    expected = rf"^cron_expression_invalid: .*{message}"
    with db_error(sqlstate="23514", constraint="cron_expression_valid", match=expected):
        sql_value("SELECT fn_cron_next(%s, now())", [expression])
