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

# kwargs: created_ids, updated_ids (meeting ids), commitment_ids (commitments created with
# those meetings), user. Sent once per call by engagements.services.bulk.meetings_bulk_write
# (imports, demo data) instead of meeting_saved and commitment_changed per record; receivers
# expand it into what those two do for each record (meeting_saved with created=True for
# created_ids and False for updated_ids; commitment_changed with created=True).
meetings_saved_in_bulk = Signal()
