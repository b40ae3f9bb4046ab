"""The Grafana dashboard and the alert rules read metrics /metrics really exports, and the
dashboard shows every one: a metric renamed in ops/collector.py fails here, not on an operator's
empty panel or an alert that can never fire."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ops.collector import exposition

pytestmark = [pytest.mark.django_db, pytest.mark.requires("postgres", "redis")]

OPS = Path(__file__).resolve().parent.parent / "ops"
METRIC_NAME = re.compile(r"\bcuration_[a-z0-9_]+\b")


@pytest.fixture
def exported() -> dict[str, set[str]]:
    """Family name -> the sample names it can show ("curation_messages" -> {"curation_messages_total"}),
    read from the exposition, so families with no sample yet count too."""
    families = {}
    for family in text_string_to_metric_families(exposition().decode()):
        names = {family.name + "_total"} if family.type == "counter" else {family.name}
        families[family.name] = names | {sample.name for sample in family.samples}
    return families


def dashboard() -> dict:
    return json.loads((OPS / "grafana" / "curation-dashboard.json").read_text())


def panels() -> list[dict]:
    return [panel for panel in dashboard()["panels"] if panel["type"] != "row"]


def dashboard_names() -> set[str]:
    return {
        name
        for panel in panels()
        for target in panel["targets"]
        for name in METRIC_NAME.findall(target["expr"])
    }


def alert_names() -> set[str]:
    lines = (OPS / "prometheus" / "alerts.yml").read_text().splitlines()
    return {name for line in lines if not line.lstrip().startswith("#") for name in METRIC_NAME.findall(line)}


def test_the_dashboard_asks_for_a_prometheus_data_source_and_every_panel_uses_it():
    variables = dashboard()["templating"]["list"]

    assert {"type": "datasource", "name": "datasource", "query": "prometheus"}.items() <= variables[0].items()
    for panel in panels():
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        assert panel["targets"], panel["title"]


def test_every_metric_the_dashboard_reads_is_exported(exported):
    sample_names = set().union(*exported.values())

    assert dashboard_names(), "no metric found in the dashboard's queries"
    assert dashboard_names() <= sample_names, dashboard_names() - sample_names


def test_every_exported_metric_has_a_panel(exported):
    shown = dashboard_names()

    missing = [family for family, names in exported.items() if not names & shown]
    assert not missing


def test_every_metric_the_alerts_read_is_exported(exported):
    sample_names = set().union(*exported.values())

    assert {"curation_ledger_stale_claims", "curation_celery_queue_length"} <= alert_names()
    assert alert_names() <= sample_names, alert_names() - sample_names
