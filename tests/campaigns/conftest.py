"""Fixtures the campaign tests share."""

from __future__ import annotations

import pytest
import time_machine

from tests.helpers import TUESDAY_MORNING


@pytest.fixture
def working_hours():
    """Tuesday morning in London with the clock ticking: every send is due at once."""
    with time_machine.travel(TUESDAY_MORNING, tick=True):
        yield
