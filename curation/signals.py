"""Signals other apps answer without curation importing them (the arrows point to curation)."""

from django.dispatch import Signal

# Sent by services.retire_item, inside its transaction, with `item` and `successor` (or None).
item_retired = Signal()
