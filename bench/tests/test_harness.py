"""The bench harness's pure parts: wrk's summary line, targets and verdicts, the tables, the data set's plan."""

import json

import pytest

from bench.dataset import Spec, missing_parts, percentile
from bench.report import API, Row, Target, render_markdown, render_text, table


def wrk_line(**overrides) -> str:
    data = {"requests": 1000, "seconds": 10.0, "rps": 100.0, "p50_ms": 9.5, "p95_ms": 20.0, "p99_ms": 31.0,
            "max_ms": 40.0, "statuses": {"200": 1000}, "errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0}}
    return json.dumps({**data, **overrides})


def test_a_wrk_summary_line_becomes_a_row():
    row = Row.from_wrk("leads", wrk_line(statuses={"201": 300, "429": 700}), allowed=(201, 429))

    assert (row.requests, row.rps, row.p50_ms, row.p95_ms, row.p99_ms) == (1000, 100.0, 9.5, 20.0, 31.0)
    assert row.accepted_per_s == 30.0
    assert row.refused == 700
    assert row.failures() == []


def test_statuses_outside_the_expected_ones_and_socket_errors_fail_the_row():
    row = Row.from_wrk("leads", wrk_line(statuses={"200": 990, "500": 7, "429": 3},
                                         errors={"connect": 0, "read": 2, "write": 0, "timeout": 1}))

    assert row.failures() == ["3 × HTTP 429", "7 × HTTP 500", "2 read errors", "1 timeout errors"]


def test_a_row_without_requests_fails():
    assert Row.from_wrk("x", wrk_line(requests=0, statuses={})).failures() == ["no requests"]


def test_targets_against_the_floor_and_absolute():
    fast = Row.from_wrk("api", wrk_line(rps=300.0, p95_ms=25.0))
    slow = Row.from_wrk("api", wrk_line(rps=300.0, p95_ms=35.0))

    assert API.met(fast, floor_rps=600.0) is True
    assert API.met(fast, floor_rps=700.0) is False  # 0.43× the floor
    assert API.met(slow, floor_rps=600.0) is False  # p95 over 30 ms
    assert API.met(fast, floor_rps=None) is None  # a ratio without a floor says nothing
    assert Target().met(fast, floor_rps=600.0) is None
    assert Target(min_accepted_per_s=300).met(
        Row.from_wrk("intake", wrk_line(statuses={"201": 2999, "429": 1})), floor_rps=None) is False


def test_the_table_has_ratios_verdicts_and_errors():
    rows = [Row.from_wrk("tenant", wrk_line(rps=400.0), target=API),
            Row.from_wrk("broken", wrk_line(statuses={"500": 1000}), target=API)]

    lines = table(rows, floor_rps=500.0)

    assert lines[0][0] == "route"
    assert lines[1][6:] == ["0.80", "0", "≥ 0.5× floor, p95 < 30 ms", "met"]
    assert lines[2][-1] == "ERROR: 1000 × HTTP 500"
    text = render_text(lines)
    assert text.splitlines()[1].startswith("------")
    assert len(text.splitlines()) == 4
    markdown = render_markdown(lines).splitlines()
    assert markdown[1].startswith("| --- | ---: |")
    assert markdown[2].startswith("| tenant | 400 | 100 | 9.5 |")


def test_the_lead_counts_add_up_with_the_roles_first():
    spec = Spec(workspaces=1000, leads=100_000, big=3, big_leads=20_000, export_leads=10_000)

    counts = spec.lead_counts()

    assert len(counts) == 1000
    assert sum(counts) == 100_000
    assert counts[:5] == [20_000, 20_000, 20_000, 10_000, 0]  # the big ones, the export's, the intake's
    assert min(counts[5:]) >= 1
    assert max(counts[5:]) < 20_000
    assert (spec.big_slug, spec.export_slug, spec.intake_slug, spec.floor_slug) == (
        "bench-0001", "bench-0004", "bench-0005", "bench-0006")


def test_a_spec_that_cannot_hold_its_big_workspaces_is_refused():
    with pytest.raises(ValueError, match="--leads"):
        Spec(workspaces=100, leads=50_000, big=3, big_leads=20_000, export_leads=10_000).check()
    with pytest.raises(ValueError, match="--workspaces"):
        Spec(workspaces=5, leads=100_000, big=3).check()


def test_a_stored_data_set_is_reused_only_for_the_same_spec_and_workspaces():
    spec = {"workspaces": 1000, "leads": 100_000}

    assert missing_parts(spec, None, 0) == ["no finished build recorded"]
    assert missing_parts(spec, {"spec": spec}, 1000) == []
    assert missing_parts(spec, {"spec": spec}, 998) == ["998 bench workspaces present, 1000 expected"]
    assert missing_parts(spec, {"spec": {**spec, "leads": 10}}, 1000)[0].startswith("built for")


def test_nearest_rank_percentile():
    samples = [float(n) for n in range(1, 101)]

    assert percentile(samples, 0.5) == 50.0
    assert percentile(samples, 0.95) == 95.0
    assert percentile([7.0], 0.95) == 7.0
