from __future__ import annotations

from django.conf import settings
from django.db import models


class MeetingDraft(models.Model):
    """A meeting form saved half-filled: the submitted fields as typed, not validated.

    Only its author sees it; resuming it fills the form again. `meeting` is set when the
    draft is of an edit, with the version the edit started from."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_drafts"
    )
    meeting = models.ForeignKey(
        "engagements.Meeting",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="drafts",
    )
    title = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, help_text="Field name to list of submitted values.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["user", "-updated_at"], name="meetingdraft_user_idx")]

    def __str__(self) -> str:
        return self.title or f"Draft {self.pk}"
