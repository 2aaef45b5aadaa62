"""Who the benchmarks act as: desk officers of the generated data (engagements.demo_data),
on the desk with the most meetings, with restricted clearance: the common, busy case."""

from __future__ import annotations

from django.db.models import Case, Count, Value, When

from accounts.models import Classification, Desk, DeskMembership, Role, User
from accounts.services import roles_sync
from engagements.models import Meeting


def busiest_desk() -> Desk | None:
    row = (
        Meeting.objects.values("desk_id").annotate(n=Count("id")).order_by("-n", "desk_id").first()
    )
    return Desk.objects.filter(pk=row["desk_id"]).first() if row else None


def desk_officers(count: int = 1) -> list[User]:
    """Up to `count` generated officers (not leads) of the busiest desk, those with
    restricted clearance first, each given the desk officer role (the generated data has no
    groups). Without generated data, one made-up officer on the busiest desk."""

    desk = busiest_desk()
    officers: list[User] = []
    if desk is not None:
        # Restricted clearance first (the common case), then the others.
        officers = list(
            User.objects.filter(
                username__startswith="demo.officer",
                is_active=True,
                desk_memberships__desk=desk,
                desk_memberships__role="officer",
            )
            .annotate(
                usual=Case(
                    When(clearance=Classification.RESTRICTED, then=Value(0)), default=Value(1)
                )
            )
            .order_by("usual", "username")[:count]
        )
    if not officers:
        user, _ = User.objects.get_or_create(
            username="bench.officer", defaults={"clearance": Classification.RESTRICTED}
        )
        if desk is not None:
            DeskMembership.objects.get_or_create(user=user, desk=desk)
        officers = [user]
    group = {g.name: g for g in roles_sync()}[Role.DESK_OFFICER]
    for user in officers:
        user.groups.add(group)
    return officers
