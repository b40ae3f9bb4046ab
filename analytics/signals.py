"""Signals analytics' services send so that they never import the tasks that run them."""

from django.dispatch import Signal

# Sent once a queued SyncRun is committed, with `run_id`: a receiver hands it to a worker.
sync_queued = Signal()
