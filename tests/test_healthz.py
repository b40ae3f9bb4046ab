"""GET /healthz: 200 when the database (and, if configured, the broker) answer; 503 otherwise."""

from __future__ import annotations

import json

import pytest

from tests.helpers import free_port
from tests.processes import run_python

pytestmark = pytest.mark.django_db


def test_healthy_without_a_broker_configured(client, settings):
    settings.REDIS_URL = ""

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.requires("redis")
def test_healthy_with_database_and_broker(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_unavailable_when_the_broker_does_not_answer(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "broker": "unreachable"},
    }


def test_unavailable_when_the_database_does_not_answer():
    probe = """
import django, json
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""
    result = run_python(probe, {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/none"})

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "status": 503,
        "body": {"status": "unavailable", "checks": {"database": "unreachable"}},
    }
