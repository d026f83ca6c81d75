"""How the business metrics page writes a duration on its tiles."""

from backoffice.views import _duration

NBSP = "\u00a0"


def test_durations_read_in_hours_from_an_hour_on():
    assert _duration(None) == "—"
    assert _duration(42) == f"42{NBSP}с"
    assert _duration(90) == f"1{NBSP}мин 30{NBSP}с"
    assert _duration(584 * 60 + 27) == f"9{NBSP}ч 44{NBSP}мин"
    assert _duration(2 * 3600 + 10) == f"2{NBSP}ч"
