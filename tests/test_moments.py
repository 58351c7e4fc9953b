"""The one parser of moments (``fields.moment``, ``ordercraft.sdk.validation.moment``):
what the CLI, the JSON API and the forms accept as a date and time, and what they refuse."""

from datetime import date, datetime, time, timezone

import pytest

from ordercraft.core.errors import ValidationError
from ordercraft.sdk import validation

NINE = time(9, 0)


@pytest.mark.parametrize(("given", "expected"), [
    ("2024-05-02 17:00", datetime(2024, 5, 2, 17, 0)),
    ("2024-05-02T17:00", datetime(2024, 5, 2, 17, 0)),
    (" 2024-05-02T17:00:30 ", datetime(2024, 5, 2, 17, 0, 30)),
    ("2024-05-02T17:00:30.999", datetime(2024, 5, 2, 17, 0, 30)),
    ("2024-05-02T17:00Z", datetime(2024, 5, 2, 17, 0)),
    ("2024-05-02T17:00+02:00", datetime(2024, 5, 2, 15, 0)),
    ("2024-05-02 01:00-0130", datetime(2024, 5, 2, 2, 30)),
    (datetime(2024, 5, 2, 17, 0, tzinfo=timezone.utc), datetime(2024, 5, 2, 17, 0)),
    (datetime(2024, 5, 2, 17, 0, 0, 5), datetime(2024, 5, 2, 17, 0)),
    (None, None), ("", None), ("   ", None),
])
def test_accepted(given, expected):
    assert validation.moment(given, field="at") == expected


def test_a_date_alone_takes_the_time_of_day_it_is_given():
    assert validation.moment("2024-05-02", field="due", day_time=NINE) == datetime(2024, 5, 2, 9)
    assert validation.moment(date(2024, 5, 2), field="due", day_time=NINE) == datetime(
        2024, 5, 2, 9)
    with pytest.raises(ValidationError, match=r"^due: '2024-05-02' needs a time of day too$"):
        validation.moment(date(2024, 5, 2), field="due")


@pytest.mark.parametrize("given", [
    "2024-05-02", "tomorrow", "2024-05-02 5pm", "02.05.2024 17:00", "2024-13-02 17:00",
    "2024-05-02 25:00", "2024-W18-4 17:00", "17:00", "20240502T1700",
    "\uff12\uff10\uff12\uff14-05-02 17:00", "2024-05-02 17:00 +02:00 extra", 1714669200,
])
def test_refused_naming_the_field_and_the_value(given):
    with pytest.raises(ValidationError) as refused:
        validation.moment(given, field="deadline")
    assert refused.value.field == "deadline"
    assert refused.value.message.startswith(f"deadline: {given!r}")
    assert "is not a date and time such as 2024-05-02 17:00 (UTC)" in refused.value.message


def test_a_long_value_is_quoted_short():
    with pytest.raises(ValidationError) as refused:
        validation.moment("x" * 10_000, field="at")
    assert len(refused.value.message) < 200
