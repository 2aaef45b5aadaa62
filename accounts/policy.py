"""The one access policy: every surface asks it (docs/architecture.md, "One policy").

A user sees a classified record when it is public or internal, or when its
classification is within their clearance and they belong to its desk or took part in
it; administrators see everything; anonymous and inactive users see nothing.

This module knows users, desks and clearances only. The apps that own classified
records (engagements) call `visibility_filter` with the paths to their own fields and a
filter for "took part in it", so the rule itself is written once, here.

Every access question has its one function here, and no other module compares clearances
or checks role groups: read (`visibility_filter`, `can_read`), write for a desk at a
classification (`can_write_for_desk`, `can_classify`, `can_write`, and the form choices
`desks_writable_by`, `classifications_for`), log meetings at all (`may_log_meetings`),
change a commitment (`may_change_commitment`), delete a meeting (`may_delete_meeting`), a
commitment (`may_delete_commitment`), a file (`may_delete_attachment`) or a reference record
(`may_delete_reference`), see
contact details (`may_see_contacts`), see an audit entry (`audit_visibility_filter`,
`can_see_audit_entry`), and what may leave the site by email
(`content_may_leave_the_site`). tests/test_access_matrix.py holds every face to them.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import Q, QuerySet

from .models import Classification, Desk, DeskMembership, User

NOTHING = Q(pk__in=[])


def is_administrator(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and getattr(user, "is_administrator", False)
    )


def desk_ids_of(user: User) -> Any:
    return DeskMembership.objects.filter(user=user).values("desk_id")


def visibility_filter(
    user: Any, *, classification_field: str, desk_field: str, participation: Q | None = None
) -> Q:
    """A Q object selecting the records `user` may read."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if is_administrator(user):
        return Q()
    openly_readable = Q(**{f"{classification_field}__lte": Classification.INTERNAL})
    involved = Q(**{f"{desk_field}__in": desk_ids_of(user)})
    if participation is not None:
        involved |= participation
    cleared = Q(**{f"{classification_field}__lte": user.clearance})
    return openly_readable | (cleared & involved)


def can_read(user: Any, *, classification: int, desk_id: int | None, took_part: bool) -> bool:
    """The same rule for one record already in memory."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_administrator(user):
        return True
    if classification <= Classification.INTERNAL:
        return True
    if classification > user.clearance:
        return False
    if took_part:
        return True
    return (
        desk_id is not None and DeskMembership.objects.filter(user=user, desk_id=desk_id).exists()
    )


def can_write_for_desk(user: Any, *, desk_id: int | None) -> bool:
    """Officers and leads log records for their own desks; administrators for any."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_administrator(user):
        return True
    return (
        desk_id is not None and DeskMembership.objects.filter(user=user, desk_id=desk_id).exists()
    )


def desks_writable_by(user: Any) -> QuerySet[Desk]:
    """The desks `user` may write records for (can_write_for_desk): the choices a form offers."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Desk.objects.none()
    if is_administrator(user):
        return Desk.objects.all()
    return Desk.objects.filter(pk__in=desk_ids_of(user))


def classifications_for(user: Any) -> list[Classification]:
    """The classifications `user` may write a record at (can_classify), lowest first:
    the choices a form offers."""
    return [level for level in Classification if can_classify(user, classification=level)]


def is_lead_of(user: Any, *, desk_id: int | None) -> bool:
    """`user` is a lead of the desk (by their membership of it, not by their role group)."""
    return (
        desk_id is not None
        and getattr(user, "is_authenticated", False)
        and DeskMembership.objects.filter(
            user=user, desk_id=desk_id, role=DeskMembership.DeskRole.LEAD
        ).exists()
    )


def may_delete_desk_records(user: Any) -> bool:
    """Whether `user` may delete some meeting or commitment at all (administrators and the
    leads of any desk): the admin's delete action asks this before it knows the records,
    and may_delete_meeting / may_delete_commitment then answer for each one."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return (
        is_administrator(user)
        or DeskMembership.objects.filter(user=user, role=DeskMembership.DeskRole.LEAD).exists()
    )


def may_delete_meeting(user: Any, *, desk_id: int | None, classification: int) -> bool:
    """Who may delete a whole meeting (the service, the API and the admin ask this alone).

    Administrators and the leads of the meeting's desk, while they may write the meeting
    (its desk, at its classification). Officers change meetings but do not delete them:
    deleting a record with its participants, commitments and files is left to leads
    (accounts.services.ROLE_PERMISSIONS), and the desk's lead is the desk membership's
    role, as for files."""
    if not can_write(user, desk_id=desk_id, classification=classification):
        return False
    return is_administrator(user) or is_lead_of(user, desk_id=desk_id)


def may_delete_commitment(user: Any, *, desk_id: int | None, classification: int | None) -> bool:
    """Who may delete a commitment: as a meeting, administrators and the leads of its desk,
    while they may write at its meeting's classification (`classification` None for a
    commitment of no meeting). Others drop a commitment through its status instead."""
    if not can_write_for_desk(user, desk_id=desk_id):
        return False
    if classification is not None and not can_classify(user, classification=classification):
        return False
    return is_administrator(user) or is_lead_of(user, desk_id=desk_id)


def may_delete_reference(user: Any) -> bool:
    """Reference records (countries, organizations, people, tenures, posts, events, topics,
    instruments) are curated by officers and leads, and deleted by administrators only:
    other records point at them, and a deletion is felt across every desk."""
    return is_administrator(user) and bool(user.is_active)


def may_delete_attachment(
    user: Any, *, desk_id: int | None, classification: int, uploaded_by_id: int | None
) -> bool:
    """Who may delete a file of a meeting (the pages and the API ask this alone).

    Only someone who may still write the meeting (its desk, at its classification), and of
    those: administrators, the leads of the meeting's desk, and the file's uploader. An
    officer may take back their own upload but not a colleague's: deleting other people's
    records is left to leads (accounts.services.ROLE_PERMISSIONS). An uploader who has left
    the desk, or whose clearance fell below the meeting's, may not."""
    if not can_write(user, desk_id=desk_id, classification=classification):
        return False
    if is_administrator(user):
        return True
    if uploaded_by_id is not None and uploaded_by_id == user.pk:
        return True
    return is_lead_of(user, desk_id=desk_id)


def may_change_commitment(
    user: Any,
    *,
    desk_id: int | None,
    owner_id: int | None,
    member_of: Collection[int] | None = None,
) -> bool:
    """A commitment is changed by those who write for its desk and by its owner.

    `member_of`, the ids of the user's desks when the caller already has them, spares a
    query per commitment on pages that ask for many."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if owner_id is not None and owner_id == user.pk:
        return True
    if member_of is not None and not is_administrator(user):
        return desk_id is not None and desk_id in member_of
    return can_write_for_desk(user, desk_id=desk_id)


def may_see_contacts(user: Any, *, person: Any = None) -> bool:
    """A person's contact details (email, phone) are sensitive: shown to those who may edit
    people (leads and administrators, by the `change_person` permission of their role), and
    to the person themself when their record is linked to `user`."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_administrator(user) or user.has_perm("engagements.change_person"):
        return True
    return person is not None and getattr(person, "user_id", None) == user.pk


def content_may_leave_the_site(*, classification: int) -> bool:
    """Emails and calendar feeds leave the site: they carry a meeting's content (beyond its
    title and a link to it) only when it is public or internal."""
    return classification <= Classification.INTERNAL


def audit_visibility_filter(user: Any, *, classification_field: str = "classification") -> Q:
    """A Q object selecting the audit entries `user` may see, among those of a record they
    may read: entries made while the record was classified above the user's clearance stay
    hidden (a record lowered to internal keeps its confidential past to the cleared).
    Entries of unclassified records (a null classification) are seen with their record."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if is_administrator(user):
        return Q()
    ceiling = max(Classification.INTERNAL, user.clearance)
    return Q(**{f"{classification_field}__isnull": True}) | Q(
        **{f"{classification_field}__lte": ceiling}
    )


def can_see_audit_entry(user: Any, *, classification: int | None) -> bool:
    """The same rule for one entry already in memory."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_administrator(user) or classification is None:
        return True
    return classification <= max(Classification.INTERNAL, user.clearance)


def can_classify(user: Any, *, classification: int) -> bool:
    """A record may be written at a classification up to the writer's own clearance;
    administrators may write at any."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return is_administrator(user) or classification <= user.clearance


def can_write(user: Any, *, desk_id: int | None, classification: int) -> bool:
    """Write a record of a desk at a classification: both rules above at once."""
    return can_write_for_desk(user, desk_id=desk_id) and can_classify(
        user, classification=classification
    )


def may_log_meetings(user: Any) -> bool:
    """Officers and leads of any desk, and administrators, may log meetings at all."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return is_administrator(user) or desk_ids_of(user).exists()
