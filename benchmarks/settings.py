"""The app's own settings plus a bare redirect view, as the baseline a benchmark runs beside."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
