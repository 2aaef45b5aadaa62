"""People, with their tenures and the meetings the reader may see; contact details only
where accounts.policy.may_see_contacts says so."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import policy
from api.serializers import CleanModelSerializer

from ... import services
from ...models import Participant, Person, Tenure
from .common import country_field, request_user


class PersonTenureSerializer(serializers.ModelSerializer):
    post = serializers.CharField(source="post.slug", read_only=True)
    post_label = serializers.CharField(source="post.label", read_only=True)
    organization = serializers.CharField(source="post.organization.slug", read_only=True)
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = Tenure
        fields = [
            "id",
            "post",
            "post_label",
            "organization",
            "start_date",
            "end_date",
            "is_current",
            "last_verified",
            "source",
        ]
        read_only_fields = fields


class IdentifierSerializer(serializers.Serializer):
    scheme = serializers.CharField(max_length=100)
    identifier = serializers.CharField(max_length=300)


_CREATE_ARGUMENTS = ("name", "native_name", "honorific_prefix", "nationality")


class PersonWrites(CleanModelSerializer):
    """People are written by engagements.services (person_create, person_update,
    person_delete)."""

    @transaction.atomic
    def record_create(self, *, actor: Any, values: dict[str, Any]) -> Any:
        created = {name: values.pop(name) for name in _CREATE_ARGUMENTS if name in values}
        person = services.person_create(user=actor, **created)
        if values:
            person = services.person_update(user=actor, person=person, **values)
        return person

    def record_update(self, *, actor: Any, instance: Any, changes: dict[str, Any]) -> Any:
        return services.person_update(user=actor, person=instance, **changes)

    def record_delete(self, *, actor: Any, instance: Any) -> None:
        services.person_delete(user=actor, person=instance)


class PersonSerializer(PersonWrites):
    """Contact details are null unless the policy lets the reader see them
    (accounts.policy.may_see_contacts)."""

    nationality = country_field(allow_null=True, required=False)
    identifiers = IdentifierSerializer(many=True, required=False)
    email = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    tenures = PersonTenureSerializer(many=True, read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "native_name",
            "sort_name",
            "slug",
            "honorific_prefix",
            "nationality",
            "summary",
            "identifiers",
            "email",
            "phone",
            "tenures",
        ]

    def _may_see_contacts(self, person: Person) -> bool:
        return policy.may_see_contacts(request_user(self), person=person)

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_email(self, person: Person) -> str | None:
        return person.email if self._may_see_contacts(person) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_phone(self, person: Person) -> str | None:
        return person.phone if self._may_see_contacts(person) else None


class PersonParticipationSerializer(serializers.ModelSerializer):
    meeting = serializers.IntegerField(source="meeting_id", read_only=True)
    meeting_title = serializers.CharField(source="meeting.title", read_only=True)
    meeting_start = serializers.DateTimeField(source="meeting.start", read_only=True)

    class Meta:
        model = Participant
        fields = ["meeting", "meeting_title", "meeting_start", "side", "post_label"]
        read_only_fields = fields


class PersonDetailSerializer(PersonSerializer):
    """Adds the person's latest meetings, among those the reader may see."""

    participations = PersonParticipationSerializer(
        many=True, read_only=True, source="visible_participations"
    )

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "participations"]


class PersonWriteSerializer(PersonWrites):
    nationality = country_field(allow_null=True, required=False)
    identifiers = IdentifierSerializer(many=True, required=False)

    class Meta:
        model = Person
        fields = [
            "name",
            "native_name",
            "sort_name",
            "slug",
            "honorific_prefix",
            "nationality",
            "summary",
            "identifiers",
            "email",
            "phone",
        ]
