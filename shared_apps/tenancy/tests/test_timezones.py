"""Russia's time zones as people read them: one list for every select and label."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from shared_apps.tenancy.models import Tenant
from shared_apps.tenancy.timezones import RUSSIAN_TIMEZONES, timezone_choices, timezone_label


def test_every_zone_has_a_russian_city_and_its_real_offset():
    labels = dict(RUSSIAN_TIMEZONES)
    assert labels["Europe/Kaliningrad"] == "Калининград (UTC+2)"
    assert labels["Europe/Moscow"] == "Москва (UTC+3)"
    assert labels["Asia/Novosibirsk"] == "Новосибирск (UTC+7)"
    assert labels["Asia/Kamchatka"] == "Петропавловск-Камчатский (UTC+12)"
    for tz, label in RUSSIAN_TIMEZONES:
        hours = int(datetime.now(ZoneInfo(tz)).utcoffset().total_seconds() // 3600)
        assert label.endswith(f"(UTC+{hours})"), tz
        assert "/" not in label


@pytest.mark.parametrize(("tz", "label"), [
    ("Europe/Moscow", "Москва (UTC+3)"),
    ("Asia/Kolkata", "Asia/Kolkata (UTC+5:30)"),
    ("America/Sao_Paulo", "America/Sao_Paulo (UTC−3)"),
    ("UTC", "Всемирное время (UTC)"),
    ("Etc/UTC", "Всемирное время (UTC)"),
    ("Not/AZone", "Not/AZone"),
    ("", ""),
])
def test_label_of_any_stored_value(tz, label):
    assert timezone_label(tz) == label


def test_choices_keep_a_stored_zone_outside_the_list_first():
    assert timezone_choices("Europe/Moscow") == RUSSIAN_TIMEZONES
    assert timezone_choices("Asia/Kolkata")[0] == ("Asia/Kolkata", "Asia/Kolkata (UTC+5:30)")
    assert timezone_choices("Asia/Kolkata")[1:] == RUSSIAN_TIMEZONES


def test_a_workspace_shows_its_zone_in_russian():
    assert Tenant(timezone="Asia/Yekaterinburg").timezone_label == "Екатеринбург (UTC+5)"
