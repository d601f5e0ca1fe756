"""EPCIS 2.0 named queries and query subscriptions, as in the standard's REST binding:
``/api/epcis/queries``, ``…/queries/{name}``, ``…/queries/{name}/events`` and
``…/queries/{name}/subscriptions[/{id}]``. Subscribing: ``{"dest": URL, "stream": true}`` or
``{"dest": URL, "schedule": {"minute": "*/5"}}``, with ``signatureToken``, ``reportIfEmpty`` and
``initialRecordTime`` optional."""

from django.core.exceptions import ValidationError as ModelInvalid
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.choices import Role
from integrations.epcis_subscriptions import SubscriptionRefused, query_params, subscribe
from integrations.models import EpcisQuery, EpcisSubscription
from traceability.epcis.capture import parse_time
from traceability.epcis.query import page, query_document
from traceability.events import EventError

READ = (Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR)
WRITE = (Role.ADMIN, Role.SUPERVISOR)


class QuerySerializer(serializers.Serializer):
    name = serializers.SlugField(max_length=100)
    query = serializers.DictField(help_text="SimpleEventQuery parameters.")


class SubscriptionSerializer(serializers.Serializer):
    dest = serializers.URLField(max_length=500)
    stream = serializers.BooleanField(default=False)
    schedule = serializers.DictField(required=False)
    reportIfEmpty = serializers.BooleanField(default=False)
    initialRecordTime = serializers.CharField(required=False)
    signatureToken = serializers.CharField(required=False, max_length=100, min_length=16)


def _query(query: EpcisQuery) -> dict:
    return {"name": query.name, "query": query.query, "subscriptions": query.subscriptions.count()}


def _subscription(sub: EpcisSubscription) -> dict:
    return {
        "subscriptionID": str(sub.pk),
        "queryName": sub.query.name,
        "dest": sub.url,
        "stream": sub.stream,
        "schedule": sub.schedule or None,
        "reportIfEmpty": sub.report_if_empty,
        "initialRecordTime": sub.initial_record_time.isoformat() if sub.initial_record_time else None,
        "lastReportedEvent": sub.cursor or None,
        "lastRunAt": sub.last_run_at.isoformat() if sub.last_run_at else None,
        "createdAt": sub.created_at.isoformat(),
    }


def _created(request, body: dict, key) -> Response:
    """201 with the new resource's address under the collection's path."""
    response = Response(body, status=201)
    response["Location"] = f"{request.path.rstrip('/')}/{key}"
    return response


def _refused(exc) -> ValidationError:
    return ValidationError({"detail": exc.message, "code": exc.code})


LIST = {"type": "array", "items": {"type": "object", "additionalProperties": True}}


class QueriesView(APIView):
    read_roles, write_roles = READ, WRITE

    @extend_schema(responses={200: LIST}, operation_id="epcis_queries_list")
    def get(self, request):
        return Response([_query(q) for q in EpcisQuery.objects.order_by("name")])

    @extend_schema(request=QuerySerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        form = QuerySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        name, query = form.validated_data["name"], form.validated_data["query"]
        try:
            query_params(query)
        except (EventError, SubscriptionRefused) as exc:
            raise _refused(exc) from None
        if EpcisQuery.objects.filter(name=name).exists():
            raise ValidationError({"detail": f"a query named {name!r} exists", "code": "name_taken"})
        saved = EpcisQuery.objects.create(name=name, query=query, created_by=request.user)
        return _created(request, _query(saved), name)


class QueryView(APIView):
    read_roles, write_roles = READ, WRITE

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, operation_id="epcis_query_retrieve")
    def get(self, request, name: str):
        return Response(_query(get_object_or_404(EpcisQuery, name=name)))

    @extend_schema(responses={204: None})
    def delete(self, request, name: str):
        get_object_or_404(EpcisQuery, name=name).delete()  # its subscriptions end with it
        return Response(status=204)


class QueryEventsView(APIView):
    """The named query's events, paged like ``/api/epcis/events``."""

    read_roles = READ

    @extend_schema(responses={(200, "application/ld+json"): OpenApiTypes.OBJECT})
    def get(self, request, name: str):
        query = get_object_or_404(EpcisQuery, name=name)
        params = query_params(query.query)
        for key in ("perPage", "nextPageToken"):
            if key in request.query_params:
                params[key] = request.query_params[key]
        rows, next_token = page(params)
        document = query_document(rows)
        document["epcisBody"]["queryResults"]["queryName"] = "SimpleEventQuery"
        response = Response(document, content_type="application/ld+json")
        if next_token:
            response["Link"] = f'<{request.path}?nextPageToken={next_token}>; rel="next"'
        return response


class SubscriptionsView(APIView):
    read_roles, write_roles = READ, WRITE

    @extend_schema(responses={200: LIST}, operation_id="epcis_subscriptions_list")
    def get(self, request, name: str):
        query = get_object_or_404(EpcisQuery, name=name)
        return Response([_subscription(s) for s in query.subscriptions.order_by("pk")])

    @extend_schema(request=SubscriptionSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, name: str):
        query = get_object_or_404(EpcisQuery, name=name)
        form = SubscriptionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            initial = (
                parse_time(data["initialRecordTime"], "initialRecordTime")
                if data.get("initialRecordTime")
                else None
            )
            sub = subscribe(
                query=query,
                dest=data["dest"],
                stream=data["stream"],
                schedule=data.get("schedule"),
                report_if_empty=data["reportIfEmpty"],
                initial_record_time=initial,
                signature_token=data.get("signatureToken", ""),
                actor=request.user,
            )
        except (SubscriptionRefused, EventError) as exc:
            raise _refused(exc) from None
        except ModelInvalid as exc:
            raise ValidationError(exc.message_dict) from None
        return _created(request, _subscription(sub), sub.pk)


class SubscriptionView(APIView):
    read_roles, write_roles = READ, WRITE

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, operation_id="epcis_subscription_retrieve")
    def get(self, request, name: str, pk: int):
        return Response(_subscription(get_object_or_404(EpcisSubscription, pk=pk, query__name=name)))

    @extend_schema(responses={204: None})
    def delete(self, request, name: str, pk: int):
        get_object_or_404(EpcisSubscription, pk=pk, query__name=name).delete()
        return Response(status=204)
