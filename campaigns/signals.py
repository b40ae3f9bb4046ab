"""Signals campaigns' services send so that they never import the tasks that run them."""

from django.dispatch import Signal

# Sent when a campaign has deliveries due, with `campaign_id` and `batches` (how many tasks to
# send them in parallel): a receiver hands them to workers.
deliveries_due = Signal()

# Sent when a campaign's send has team-channel posts to make, with `campaign_id`.
team_posts_due = Signal()
