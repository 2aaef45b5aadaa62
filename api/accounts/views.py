from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiToken, Desk, DeskMembership, User
from accounts.tokens import api_token_create, api_token_revoke, api_tokens_of
from api.idempotency import idempotent
from api.permissions import IsAuthenticatedWithScope
from api.views import ApiGenericViewSet, ApiModelViewSet, ETagRetrieveMixin

from .serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    CurrentUserSerializer,
    DeskSerializer,
)


class DeskViewSet(ApiModelViewSet):
    serializer_class = DeskSerializer
    permission_model = Desk
    ordering_fields = ["name", "code", "id"]
    ordering = ["name"]
    filterset_fields = ["code"]

    def get_queryset(self) -> QuerySet[Desk]:
        return Desk.objects.prefetch_related("countries")


class CurrentUserView(GenericAPIView):
    """Who the request is made as: roles, clearance, desks, and the token's scope."""

    serializer_class = CurrentUserSerializer
    permission_classes = [IsAuthenticatedWithScope]
    pagination_class = None
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[User]:
        user: Any = self.request.user
        return User.objects.filter(pk=user.pk)

    def get_object(self) -> User:
        return (
            self.get_queryset()
            .prefetch_related(
                "groups",
                Prefetch(
                    "desk_memberships",
                    queryset=DeskMembership.objects.select_related("desk"),
                ),
            )
            .get()
        )

    @extend_schema(summary="The current user")
    def get(self, request: Request) -> Response:
        return Response(self.get_serializer(self.get_object()).data)


@extend_schema_view(
    list=extend_schema(
        summary="List API tokens", description="Your own; administrators see everyone's."
    ),
    create=extend_schema(
        summary="Create an API token",
        description="The response carries the secret in `token`, once.",
        request=ApiTokenCreateSerializer,
        responses={201: ApiTokenCreatedSerializer},
    ),
    destroy=extend_schema(
        summary="Revoke an API token",
        description="It stops working at once; the record stays, with revoked_at set.",
    ),
)
class ApiTokenViewSet(
    ETagRetrieveMixin,
    mixins.ListModelMixin,
    ApiGenericViewSet,
):
    """API tokens for systems. Anyone signed in manages their own tokens."""

    serializer_class = ApiTokenSerializer
    permission_classes = [IsAuthenticatedWithScope]
    http_method_names = ["get", "post", "delete", "head", "options"]
    ordering_fields = ["created_at", "id"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet[ApiToken]:
        return api_tokens_of(self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The secret is never stored, not even for a replay.
        return idempotent(self, request, lambda: self._create(request), redact=("token",))

    def _create(self, request: Request) -> Response:
        serializer = ApiTokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user: Any = request.user
        token, raw = api_token_create(
            user=user,
            name=data["name"],
            scope=data["scope"],
            expires_in_days=data["expires_in_days"],
            created_by=request.user,
        )
        token.raw_secret = raw  # type: ignore[attr-defined]
        body = ApiTokenCreatedSerializer(token, context=self.get_serializer_context()).data
        location = request.build_absolute_uri(f"{request.path.rstrip('/')}/{token.pk}/")
        return Response(
            body,
            status=status.HTTP_201_CREATED,
            headers={"Location": location, "ETag": self.etag_of(token, body)},
        )

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        api_token_revoke(token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return ApiTokenSerializer
