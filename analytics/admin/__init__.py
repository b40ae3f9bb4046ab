"""The analytics admin: figures and their imports, the sync log, quiz results.

Review meetings are curation's models and administered there (curation/admin_reviews.py); the
meeting room that runs them is analytics' page (analytics/meeting_views.py).
"""

from analytics.admin import metrics, quiz, sharing, syncs  # noqa: F401 - each module registers its models
