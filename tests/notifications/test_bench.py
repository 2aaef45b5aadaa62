from bench.reminder_sweep import bench_reminder_sweep
from notifications.models import Reminder, SweepRun


def test_the_sweep_benchmark_measures_a_sweep_and_leaves_nothing_behind(db):
    result = bench_reminder_sweep(400)
    assert result["commitments"] == 400
    assert result["reminders"] == 20  # 5%
    assert result["digests"] == 2  # both owners have something due today or overdue
    assert result["emails"] == 22
    assert result["total_ms"] > 0 and result["emails_per_second"] > 0
    assert not Reminder.objects.exists() and not SweepRun.objects.exists()
