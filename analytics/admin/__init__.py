"""The analytics admin: figures and their imports (metrics), and the sync log (syncs)."""

from analytics.admin import metrics, syncs  # noqa: F401 - each module registers its models
