"""Signals sent by engagements.services inside the transaction of the change.

Apps above engagements (notifications) connect to these to write their own rows in the
same transaction, so that engagements never imports them. A receiver that raises rolls the
change back: that is the point of writing an outbox in the same transaction.
"""

from django.dispatch import Signal

# kwargs: meeting, created (bool), user (who saved it)
meeting_saved = Signal()

# kwargs: commitment, created (bool), user, previous_owner_id, previous_due_date,
# previous_status (all None when created)
commitment_changed = Signal()

# kwargs: meeting_id, snapshot (dict of the deleted meeting's id, title, desk_id,
# classification and participants' person ids, taken before the delete), user
meeting_deleted = Signal()
