"""Rate limits count atomically in Redis and keep working (in this process's memory) while Redis is down."""

import logging
import threading
import time
import uuid

import pytest

from conftest import caches_at
from core.ratelimit import ProgressiveDelay, RateLimit
from core.text import wait_time


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def concurrently(count: int, action) -> list:
    """Run ``action`` in ``count`` threads released at the same instant."""
    start, results = threading.Barrier(count), []

    def run() -> None:
        start.wait()
        results.append(action())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def outage_records(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "core.ratelimit"]


def test_redis_going_down_falls_back_to_process_memory_logged_once_per_outage(private_redis, settings, caplog):
    settings.CACHES = caches_at(private_redis.url)
    settings.RATELIMIT_REDIS_RETRY_SECONDS = 0  # try Redis on every call: the outage is still logged once
    caplog.set_level(logging.INFO, logger="core.ratelimit")
    limit = RateLimit(unique("outage"), 3, 60)
    assert [limit.hit("198.51.100.7").allowed for _ in range(2)] == [True, True]

    private_redis.stop()
    # The count starts again in memory: 3 allowed, then refused with a wait within the window.
    verdicts = [limit.hit("198.51.100.7") for _ in range(5)]
    assert [verdict.allowed for verdict in verdicts] == [True, True, True, False, False]
    assert 1 <= verdicts[-1].retry_after <= 60
    assert not limit.peek("198.51.100.7").allowed
    limit.reset("198.51.100.7")
    assert limit.peek("198.51.100.7").allowed
    assert outage_records(caplog) == ["ratelimit_redis_unavailable"]
    assert caplog.records[0].levelno == logging.WARNING

    private_redis.start()  # an empty Redis (no persistence): counting starts again there
    assert [limit.hit("198.51.100.7").allowed for _ in range(4)] == [True, True, True, False]
    assert outage_records(caplog) == ["ratelimit_redis_unavailable", "ratelimit_redis_back"]


def test_while_redis_is_down_it_is_tried_again_only_now_and_then(redis_unreachable, settings, caplog):
    settings.RATELIMIT_REDIS_RETRY_SECONDS = 60
    limit = RateLimit(unique("breaker"), 100, 60)
    started = time.monotonic()
    for _ in range(50):
        assert limit.hit("subject").allowed
    assert time.monotonic() - started < 2
    assert outage_records(caplog) == ["ratelimit_redis_unavailable"]


@pytest.mark.parametrize("redis", ["up", "down"])
def test_concurrent_hits_are_counted_atomically(redis, request):
    if redis == "down":
        request.getfixturevalue("redis_unreachable")
    limit = RateLimit(unique("atomic"), 5, 60)
    verdicts = concurrently(20, lambda: limit.hit("203.0.113.9"))
    assert sum(verdict.allowed for verdict in verdicts) == 5


@pytest.mark.parametrize("redis", ["up", "down"])
def test_progressive_delay_lets_exactly_the_free_attempts_through_concurrently(redis, request):
    if redis == "down":
        request.getfixturevalue("redis_unreachable")
    delay = ProgressiveDelay(unique("login"), free=5, base_seconds=30, cap_seconds=900, memory_seconds=900)
    verdicts = concurrently(10, lambda: delay.claim("ivan@motor.ru"))
    assert sum(verdict.allowed for verdict in verdicts) == 5
    assert all(27 <= verdict.retry_after <= 30 for verdict in verdicts if not verdict.allowed)


def test_progressive_delay_doubles_up_to_its_cap():
    delay = ProgressiveDelay("schedule", free=5, base_seconds=30, cap_seconds=900, memory_seconds=900)
    assert [delay.delay_after(attempts) for attempts in range(1, 13)] == [
        0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900, 900]
    assert delay.delay_after(10_000) == 900


@pytest.mark.parametrize("redis", ["up", "down"])
def test_progressive_delay_waits_then_lets_one_attempt_through_and_forgets_on_reset(redis, request):
    if redis == "down":
        request.getfixturevalue("redis_unreachable")
    delay = ProgressiveDelay(unique("wait"), free=2, base_seconds=1, cap_seconds=2, memory_seconds=60)
    assert [delay.claim("anna").allowed for _ in range(2)] == [True, True]
    refused = delay.claim("anna")
    assert (refused.allowed, refused.retry_after) == (False, 1)
    assert delay.claim("olga").allowed  # another subject is not held up
    time.sleep(1.05)
    assert delay.claim("anna").allowed  # the third attempt after the first wait …
    assert delay.claim("anna").retry_after == 2  # … and the next one waits twice as long
    delay.reset("anna")
    assert [delay.claim("anna").allowed for _ in range(2)] == [True, True]


@pytest.mark.parametrize(("seconds", "words"), [(1, "1 секунду"), (3, "3 секунды"), (30, "30 секунд"),
                                                (59, "59 секунд"), (60, "1 минуту"), (61, "2 минуты"),
                                                (900, "15 минут"), (3600, "60 минут")])
def test_waits_are_said_in_russian(seconds, words):
    assert wait_time(seconds) == words
