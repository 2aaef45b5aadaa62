"""The base viewsets every resource of the API is built on.

- get_queryset() of each resource starts from the access-policy selector.
- Role checks: RolePermission (model permissions of the role groups), declared per view.
- Reads are served by `serializer_class` (and `list_serializer_class` for lists, when the
  list shows less); writes are validated by `write_serializer_class` and carried out in
  perform_create / perform_update / perform_destroy, through the services where they exist.
- ETag on every record; If-Match on PUT, PATCH and DELETE (412 when stale); If-None-Match
  on GET (304); Idempotency-Key on POST."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Model, QuerySet
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from .etag import (
    etag_for_data,
    etag_for_version,
    if_match_satisfied,
    if_none_match_satisfied,
    parse_etags,
)
from .exceptions import PreconditionFailed
from .idempotency import idempotent
from .permissions import IsAuthenticatedWithScope, RolePermission
from .serializers import CleanModelSerializer


class ApiGenericViewSet(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticatedWithScope, RolePermission]
    lookup_value_regex = r"[0-9]+"
    list_serializer_class: type[serializers.BaseSerializer] | None = None
    write_serializer_class: type[serializers.BaseSerializer] | None = None

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "list" and self.list_serializer_class is not None:
            return self.list_serializer_class
        if (
            self.action in ("create", "update", "partial_update")
            and self.write_serializer_class is not None
        ):
            return self.write_serializer_class
        assert self.serializer_class is not None
        return self.serializer_class

    def get_read_serializer(self, instance: Any) -> serializers.BaseSerializer:
        assert self.serializer_class is not None
        return self.serializer_class(instance, context=self.get_serializer_context())

    def etag_of(self, instance: Model, data: Any = None) -> str:
        if data is None:
            data = self.get_read_serializer(instance).data
        version = getattr(instance, "version", None)
        if isinstance(version, int):
            return etag_for_version(version, data)
        return etag_for_data(data)

    def record_response(self, instance: Model, status_code: int = status.HTTP_200_OK) -> Response:
        """The record as the reader sees it now (re-read through get_queryset, so with the
        same prefetching and visibility as a GET), with its ETag."""
        fresh = self.get_queryset().filter(pk=instance.pk).first() or instance
        data = self.get_read_serializer(fresh).data
        headers = {"ETag": self.etag_of(fresh, data)}
        if status_code == status.HTTP_201_CREATED:
            headers["Location"] = self.request.build_absolute_uri(
                self.request.path.rstrip("/") + f"/{fresh.pk}/"
            )
        return Response(data, status=status_code, headers=headers)


class ETagRetrieveMixin:
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        view: Any = self
        instance = view.get_object()
        data = view.get_read_serializer(instance).data
        etag = view.etag_of(instance, data)
        tags = parse_etags(request.headers.get("If-None-Match"), "If-None-Match")
        if tags is not None and if_none_match_satisfied(etag, tags):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(data, headers={"ETag": etag})


def _through_services(view: Any, serializer: Any) -> CleanModelSerializer:
    """The serializer, if its save() goes to services; a viewset whose serializer would
    save the model itself must override perform_create / perform_update."""
    if not isinstance(serializer, CleanModelSerializer):
        raise NotImplementedError(f"{type(view).__name__} must write through a service")
    return serializer


class ApiReadOnlyViewSet(ETagRetrieveMixin, mixins.ListModelMixin, ApiGenericViewSet):
    pass


class ApiModelViewSet(ApiReadOnlyViewSet):
    """List, retrieve, create, update, partial update and delete.

    Subclasses implement perform_create(serializer) -> instance and may override
    perform_update(serializer, instance, expected_etags) -> instance and
    perform_destroy(instance, expected_etags); the defaults go through the serializer's
    services (CleanModelSerializer.record_create / record_update / record_delete)."""

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return idempotent(self, request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.perform_create(serializer)
        return self.record_response(instance, status.HTTP_201_CREATED)

    def perform_create(self, serializer: serializers.BaseSerializer) -> Any:
        return _through_services(self, serializer).save()

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        expected = parse_etags(request.headers.get("If-Match"))
        with transaction.atomic():
            instance = self._get_for_write(expected)
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            instance = self.perform_update(serializer, instance, expected)
        return self.record_response(instance)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    def perform_update(
        self, serializer: serializers.BaseSerializer, instance: Any, expected: list[str] | None
    ) -> Any:
        return _through_services(self, serializer).save()

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        expected = parse_etags(request.headers.get("If-Match"))
        with transaction.atomic():
            instance = self._get_for_write(expected)
            self.perform_destroy(instance, expected)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def perform_destroy(self, instance: Any, expected: list[str] | None) -> None:
        serializer = self.get_serializer(instance)
        if not isinstance(serializer, CleanModelSerializer):
            raise NotImplementedError(f"{type(self).__name__} must delete through a service")
        serializer.record_delete(actor=self.request.user, instance=instance)

    def _get_for_write(self, expected: list[str] | None) -> Any:
        """The record, checked against If-Match. Records without a version are locked
        first, so nobody changes them between the comparison and the write."""
        queryset: QuerySet = self.get_queryset()
        model = queryset.model
        versioned = any(f.name == "version" for f in model._meta.concrete_fields)
        if expected is not None and not versioned:
            pk = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
            locked = model._default_manager.select_for_update().filter(pk=pk).order_by()
            list(locked.values_list("pk"))
        instance = self.get_object()
        if expected is not None and not if_match_satisfied(self.etag_of(instance), expected):
            raise PreconditionFailed()
        return instance
