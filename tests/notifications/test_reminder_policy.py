import datetime

import pytest
from django.core.exceptions import ValidationError

from notifications.models import ReminderPolicy

DUE = datetime.date(2026, 3, 20)


def on(offset: int) -> datetime.date:
    return DUE + datetime.timedelta(days=offset)


def default_policy() -> ReminderPolicy:
    return ReminderPolicy(
        is_default=True, days_before=[7, 1], on_due_date=True, overdue_every_days=7
    )


@pytest.mark.parametrize(
    ("offset", "kind"),
    [
        (-30, None),
        (-8, None),
        (-7, "before_7d"),
        (-5, "before_7d"),
        (-1, "before_1d"),
        (0, "due"),
        (3, "due"),
        (7, "overdue_7d"),
        (13, "overdue_7d"),
        (14, "overdue_14d"),
        (70, "overdue_70d"),
    ],
)
def test_the_latest_slot_on_or_before_a_day_is_the_reminder_due(offset, kind):
    slot = default_policy().latest_slot(DUE, on(offset))
    assert (slot.kind if slot else None) == kind


def test_slots_carry_their_own_day_and_distance_from_the_due_date():
    slot = default_policy().latest_slot(DUE, on(16))
    assert slot is not None
    assert slot.send_on == on(14) and slot.days_from_due == 14


def test_a_policy_can_say_nothing_but_the_due_date():
    policy = ReminderPolicy(days_before=[], on_due_date=True, overdue_every_days=0)
    assert policy.latest_slot(DUE, on(-3)) is None
    assert policy.latest_slot(DUE, on(40)).kind == "due"


@pytest.mark.parametrize("days_before", [[0], [7, 7], ["7"], [True], 7, [400]])
def test_it_rejects_malformed_days_before(days_before):
    policy = ReminderPolicy(is_default=True, days_before=days_before)
    with pytest.raises(ValidationError):
        policy.clean()
