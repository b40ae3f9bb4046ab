"""The analytics admin: figures and their imports, the sync log, review meetings, quiz results."""

from analytics.admin import metrics, quiz, reviews, syncs  # noqa: F401 - each module registers its models
