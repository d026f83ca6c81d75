"""The Prometheus rules and configuration in docker/prometheus/ parse, and every alert fires on synthetic series
that should raise it and stays quiet otherwise (alerts.test.yml). promtool is a system package (`make setup`):
without it this fails rather than skips, so the rules are never left unchecked."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings

PROMETHEUS = Path(settings.BASE_DIR) / "docker" / "prometheus"
TOKEN_FILE = "/run/secrets/metrics_token"


@pytest.fixture(scope="module")
def promtool() -> str:
    found = shutil.which("promtool")
    assert found, "promtool is missing: install the Debian package prometheus (make system-packages)"
    return found


def run(*args: str, cwd: Path = PROMETHEUS) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=60)


def test_the_rules_parse(promtool):
    done = run(promtool, "check", "rules", "alerts.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_fires_and_stays_quiet_as_its_tests_say(promtool):
    done = run(promtool, "test", "rules", "alerts.test.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_has_a_test_and_russian_annotations():
    rules = [rule for group in yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
             for rule in group["rules"]]
    tested = {case["alertname"] for test in yaml.safe_load((PROMETHEUS / "alerts.test.yml").read_text())["tests"]
              for case in test.get("alert_rule_test", []) if case.get("exp_alerts")}
    assert {rule["alert"] for rule in rules} == tested
    for rule in rules:
        assert {"summary", "description", "runbook_url"} <= set(rule["annotations"]), rule["alert"]
        assert any("а" <= char <= "я" for char in rule["annotations"]["summary"].lower()), rule["alert"]


def test_the_plan_s_thresholds_and_the_business_metrics_agreed_with_the_platform_admin():
    rules = {rule["alert"]: rule["expr"] for group in yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
             for rule in group["rules"]}
    assert "fastlead_trial_conversion_ratio < 0.2" in rules["FastLeadLowTrialConversion"]
    assert "fastlead_churn_ratio_weekly > 0.05" in rules["FastLeadHighWeeklyChurn"]
    assert "> 0.05" in rules["FastLeadHighErrorRate"]
    assert "histogram_quantile(0.95" in rules["FastLeadSlowResponses"]
    assert rules["FastLeadSlowResponses"].endswith("> 1")


def test_the_configuration_parses(promtool, tmp_path):
    """As deployed but for the bearer token's file (a Docker secret there), which promtool insists on reading."""
    for name in ("alerts.yml", "blackbox.yml"):
        shutil.copy(PROMETHEUS / name, tmp_path / name)
    token = tmp_path / "metrics_token"
    token.write_text("a-token-for-the-check")
    config = (PROMETHEUS / "prometheus.yml").read_text()
    assert TOKEN_FILE in config
    (tmp_path / "prometheus.yml").write_text(config.replace(TOKEN_FILE, str(token)))
    done = run(promtool, "check", "config", "prometheus.yml", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout
