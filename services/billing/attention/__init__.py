"""The invoice "needs attention" flag: set and cleared by the comments service's comment-flag events.

`flags.py` applies each event once (by event id and by the thread's version, so duplicates and reordering change
nothing), `notices.py` groups the business's emails, and `updates.py` tells the customer about replies.
"""
