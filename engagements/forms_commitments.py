"""The form of a commitment's status change, shared by the commitments board (in place) and
the notifications app's commitment page. The meeting forms are in engagements.forms."""

from __future__ import annotations

from django import forms

from .models import Commitment


class CommitmentStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Commitment.Status.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
