from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import policy, services
from accounts.models import ApiToken, Desk, DeskMembership, User
from api.serializers import (
    ClassificationField,
    CleanModelSerializer,
    NaturalKeyRelatedField,
    assign,
    read_key,
    split_many,
)

# The api app does not import engagements (engagements.api builds on it): the country model
# is reached through the relation.
Country = Desk._meta.get_field("countries").related_model


class DeskSerializer(CleanModelSerializer):
    countries = NaturalKeyRelatedField(
        slug_field="iso2",
        many=True,
        queryset=Country._default_manager.all(),  # type: ignore[union-attr]
        required=False,
    )

    class Meta:
        model = Desk
        fields = ["id", "code", "name", "description", "countries"]

    def record_create(self, *, actor: Any, values: dict[str, Any]) -> Any:
        plain, many = split_many(Desk, values)
        countries = many.get("countries")
        return services.desk_create(actor=actor, desk=Desk(**plain), countries=countries)

    def record_update(self, *, actor: Any, instance: Any, changes: dict[str, Any]) -> Any:
        plain, many = split_many(Desk, changes)
        desk = assign(instance, plain)
        return services.desk_update(actor=actor, desk=desk, countries=many.get("countries"))

    def record_delete(self, *, actor: Any, instance: Any) -> None:
        services.desk_delete(actor=actor, desk=instance)


class MembershipSerializer(serializers.ModelSerializer):
    desk = read_key("code")
    desk_name = serializers.CharField(source="desk.name", read_only=True)

    class Meta:
        model = DeskMembership
        fields = ["desk", "desk_name", "role", "since"]
        read_only_fields = fields


class CurrentUserSerializer(serializers.ModelSerializer):
    clearance = ClassificationField(read_only=True)
    desks = MembershipSerializer(many=True, read_only=True, source="desk_memberships")
    roles = read_key("name", many=True, source="groups")
    is_administrator = serializers.SerializerMethodField()
    token_scope = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "time_zone",
            "clearance",
            "is_administrator",
            "roles",
            "desks",
            "token_scope",
        ]
        read_only_fields = fields

    def get_is_administrator(self, user: User) -> bool:
        return policy.is_administrator(user)

    @extend_schema_field({"type": "string", "enum": ["read", "read-write"], "nullable": True})
    def get_token_scope(self, user: User) -> str | None:
        request = self.context.get("request")
        token = getattr(request, "auth", None)
        return token.scope if isinstance(token, ApiToken) else None


class ApiTokenSerializer(serializers.ModelSerializer):
    user = read_key("username")
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "user",
            "prefix",
            "scope",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
            "is_active",
        ]
        read_only_fields = fields

    def get_is_active(self, token: ApiToken) -> bool:
        return token.revoked_at is None and not token.is_expired(timezone.now())


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.SerializerMethodField(
        help_text="The secret: shown this once, never again. Send it as `Authorization: "
        "Bearer <token>`."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_token(self, token: ApiToken) -> str | None:
        return getattr(token, "raw_secret", None)


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scope = serializers.ChoiceField(choices=ApiToken.Scope.choices, default="read")
    expires_in_days = serializers.IntegerField(
        min_value=1,
        max_value=3650,
        required=False,
        allow_null=True,
        help_text="Lifetime in days (default: the site's setting); null: never expires.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "expires_in_days" not in attrs:
            attrs["expires_in_days"] = settings.API_TOKEN_DEFAULT_EXPIRY_DAYS
        return attrs
