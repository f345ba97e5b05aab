"""Status translation and deterministic change ids."""
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.workorders.adapters.base import OUR_STATUSES, PermanentError
from services.workorders.adapters.config import load_system_config
from services.workorders.adapters.vocabulary import UNKNOWN_RESOLUTION, SystemVocabulary, change_id

SYSTEMS = ["streets", "watershed", "solidwaste"]
MOMENT = datetime(2026, 3, 1, 14, 5, 9, 123456, tzinfo=timezone.utc)


@pytest.fixture(params=SYSTEMS)
def vocabulary(request):
    return SystemVocabulary.from_config(request.param, load_system_config(request.param))


def test_every_mapped_status_is_one_of_ours(vocabulary):
    assert set(vocabulary.statuses.values()) <= OUR_STATUSES
    assert {"assigned", "in_progress", "on_hold", "closed", "cancelled"} <= set(vocabulary.statuses.values())


def test_unknown_status_is_kept_as_unknown(vocabulary):
    change = vocabulary.status_change("L-1", "SR-1", "ZZ-NEW-CODE", MOMENT, None)
    assert (change.status, change.legacy_status) == ("unknown", "ZZ-NEW-CODE")


def test_closed_change_carries_resolution_words():
    streets = SystemVocabulary.from_config("streets", load_system_config("streets"))
    change = streets.status_change("WO-2026-000001", "SR-1", "COMPLETE", MOMENT, "FILL")
    assert (change.status, change.resolution) == ("closed", "Pothole filled")
    assert not streets.is_reported("OPEN") and streets.is_reported("ASSIGNED")


@pytest.mark.parametrize("code", ["NEWCODE", '=HYPERLINK("http://evil.example","Fixed")', "<b>done</b>"])
def test_an_unknown_resolution_code_becomes_generic_words_not_the_raw_code(vocabulary, code, caplog):
    """A department's raw code reaches the public record and the open-data export: never pass it through."""
    change = vocabulary.status_change("WO-1", "SR-1", "COMPLETE", MOMENT, code)
    assert change.resolution == UNKNOWN_RESOLUTION and code not in change.resolution
    assert "unknown resolution code" in caplog.text


def test_changed_at_is_utc_to_the_millisecond(vocabulary):
    local = MOMENT.astimezone(timezone(timedelta(hours=-5)))
    change = vocabulary.status_change("L-1", "SR-1", "X", local, None)
    assert change.changed_at == MOMENT.replace(microsecond=123000) and change.changed_at.utcoffset() == timedelta(0)


def test_unmapped_service_code_and_priority_are_permanent(vocabulary):
    with pytest.raises(PermanentError, match="NOT_A_CODE"):
        vocabulary.category_for("NOT_A_CODE")
    with pytest.raises(PermanentError, match="urgent"):
        vocabulary.priority_for("urgent")


def test_bad_status_map_is_refused_at_start():
    config = {**load_system_config("streets"), "status_map": {"COMPLETE": "done"}}
    with pytest.raises(ValueError, match="status_map"):
        SystemVocabulary.from_config("streets", config)


def test_same_change_in_any_format_has_the_same_id():
    same = [MOMENT, MOMENT.replace(microsecond=123999), MOMENT.astimezone(timezone(timedelta(hours=2))),
            datetime.fromisoformat("2026-03-01T14:05:09.123Z"), MOMENT.replace(tzinfo=None)]
    assert len({change_id("streets", "WO-1", "INPROG", moment) for moment in same}) == 1


@given(status=st.sampled_from(["INPROG", "HOLD"]), offset_ms=st.integers(min_value=1, max_value=10**9))
def test_different_changes_have_different_ids(status, offset_ms):
    base = change_id("streets", "WO-1", "INPROG", MOMENT)
    assert change_id("streets", "WO-1", status, MOMENT + timedelta(milliseconds=offset_ms)) != base
    assert change_id("watershed", "WO-1", "INPROG", MOMENT) != base
    assert change_id("streets", "WO-2", "INPROG", MOMENT) != base
