"""Signals that let apps building on channels add their own rules without channels importing them.

The compliance guard lives in curation (it is about content items); a channel's visibility change
must still pass it, so Channel.clean() sends `validating_channel` and curation answers.
"""

from django.dispatch import Signal

# Sent by Channel.clean() with `channel`; a receiver raises ValidationError to refuse the change.
validating_channel = Signal()
