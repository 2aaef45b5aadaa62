"""Writes of notifications, one module per concept: sending one row once (dispatch),
reminders and digests, the outbox, subscriptions (watches, preferences, calendar feeds),
beat schedules and heartbeats. `from notifications import services; services.X` keeps
working: everything is re-exported here."""

from __future__ import annotations

from .dispatch import (
    BUILT_IN_DEFAULT,
    NOTIFICATION_EXPIRY,
    OPEN_STATUSES,
    RELAY_AGAIN_AFTER,
    DispatchResult,
    SentEmail,
    Skip,
    SweepResult,
    is_transient,
)
from .outbox import (
    commitment_changed_handle,
    notification_deliver,
    notifications_for_meeting,
    notifications_mark_relayed,
    notifications_to_relay,
)
from .reminders import (
    REMINDER_POLICY_FIELDS,
    default_policy,
    digests_materialise,
    pending_dispatch,
    reminder_policy_delete,
    reminder_policy_save,
    reminder_sweep,
    reminders_disarm,
    reminders_dispatch,
    reminders_materialise,
)
from .schedules import (
    SCHEDULE_DISPATCH,
    SCHEDULE_RELAY,
    SCHEDULE_SWEEP,
    heartbeat_record,
    notification_schedules,
    schedules_ensure,
)
from .subscriptions import (
    WATCH_KIND_OF_MODEL,
    calendar_feed_create,
    calendar_feed_revoke,
    calendar_feed_touch,
    preference_update,
    watch_add,
    watch_remove,
)

__all__ = [
    "BUILT_IN_DEFAULT",
    "NOTIFICATION_EXPIRY",
    "OPEN_STATUSES",
    "RELAY_AGAIN_AFTER",
    "REMINDER_POLICY_FIELDS",
    "SCHEDULE_DISPATCH",
    "SCHEDULE_RELAY",
    "SCHEDULE_SWEEP",
    "WATCH_KIND_OF_MODEL",
    "DispatchResult",
    "SentEmail",
    "Skip",
    "SweepResult",
    "calendar_feed_create",
    "calendar_feed_revoke",
    "calendar_feed_touch",
    "commitment_changed_handle",
    "default_policy",
    "digests_materialise",
    "heartbeat_record",
    "is_transient",
    "notification_deliver",
    "notification_schedules",
    "notifications_for_meeting",
    "notifications_mark_relayed",
    "notifications_to_relay",
    "pending_dispatch",
    "preference_update",
    "reminder_policy_delete",
    "reminder_policy_save",
    "reminder_sweep",
    "reminders_disarm",
    "reminders_dispatch",
    "reminders_materialise",
    "schedules_ensure",
    "watch_add",
    "watch_remove",
]
