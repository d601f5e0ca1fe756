"""Master data CRUD, one action endpoint per state change, traces, recalls, events and EPCIS."""

import csv
import io

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.choices import Role
from accounts.signatures import sign_decision
from traceability import selectors, services
from traceability.api import serializers as s
from traceability.choices import LotStatus
from traceability.epcis.capture import capture_document
from traceability.epcis.query import page, query_document
from traceability.models import (
    Line,
    Lot,
    Product,
    Recall,
    Site,
    Station,
    Supplier,
    TraceEvent,
    Unit,
    WorkOrder,
)
from traceability.reports import recall_pdf
from traceability.returns import return_card

MANAGERS = (Role.ADMIN, Role.SUPERVISOR)
SHOP_FLOOR = (Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR)


class MasterDataViewSet(viewsets.ModelViewSet):
    """Master data: every role reads; admins and supervisors write."""

    write_roles = MANAGERS


class SiteViewSet(MasterDataViewSet):
    queryset = Site.objects.order_by("code")
    serializer_class = s.SiteSerializer


class LineViewSet(MasterDataViewSet):
    queryset = Line.objects.order_by("site_id", "code")
    serializer_class = s.LineSerializer


class StationViewSet(MasterDataViewSet):
    queryset = Station.objects.all()
    serializer_class = s.StationSerializer


class SupplierViewSet(MasterDataViewSet):
    queryset = Supplier.objects.order_by("code")
    serializer_class = s.SupplierSerializer


class ProductViewSet(MasterDataViewSet):
    queryset = Product.objects.order_by("part_number")
    serializer_class = s.ProductSerializer


class WorkOrderViewSet(MasterDataViewSet):
    queryset = WorkOrder.objects.order_by("number")
    serializer_class = s.WorkOrderSerializer


def _filtered(queryset, params, fields):
    for param, lookup in fields.items():
        if params.get(param):
            queryset = queryset.filter(**{lookup: params[param]})
    return queryset


class LotViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Lots. ``POST`` receives a lot (with its event); status changes only through recalls."""

    serializer_class = s.LotSerializer
    write_roles = MANAGERS

    def get_queryset(self):
        lots = Lot.objects.select_related("product").order_by("id")
        return _filtered(
            lots,
            self.request.query_params,
            {"code": "code", "product": "product", "status": "status", "supplier": "supplier"},
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.receive_lot(
            product=data["product"],
            code=data["code"],
            quantity=data["quantity"],
            supplier=data.get("supplier"),
            expires_on=data.get("expires_on"),
            manufactured_on=data.get("manufactured_on"),
            actor=self.request.user,
        )

    @extend_schema(request=s.ReasonSerializer, responses=s.LotSerializer)
    @action(detail=True, methods=["post"], write_roles=MANAGERS)
    def hold(self, request, pk=None):
        """Quarantine the lot, with a reason (an event)."""
        return self._status(request, LotStatus.QUARANTINED)

    @extend_schema(request=s.SignedReasonSerializer, responses=s.LotSerializer)
    @action(detail=True, methods=["post"], write_roles=MANAGERS)
    def release(self, request, pk=None):
        """Release a quarantined lot, with a reason and an electronic signature (an event)."""
        return self._status(request, LotStatus.RELEASED)

    def _status(self, request, target):
        signed = target == LotStatus.RELEASED
        body = (s.SignedReasonSerializer if signed else s.ReasonSerializer)(data=request.data)
        body.is_valid(raise_exception=True)
        lot = services.set_lot_status(
            lot=self.get_object(),
            status=target,
            reason=body.validated_data["reason"],
            actor=request.user,
            signature=body.validated_data.get("signature"),
        )
        return Response(s.LotSerializer(lot).data)

    @action(detail=True, methods=["get"], url_path="where-used")
    def where_used(self, request, pk=None):
        """Forward trace: every unit that contains this lot, transitively (paginated)."""
        rows = self.paginate_queryset(selectors.lot_where_used(self.get_object()))
        return self.get_paginated_response(
            [dict(zip(selectors.WHERE_USED_COLUMNS, r, strict=True)) for r in rows]
        )


class UnitViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Serialised units. ``POST`` commissions one; each later change has its own action."""

    serializer_class = s.UnitSerializer
    write_roles = SHOP_FLOOR

    def get_queryset(self):
        units = Unit.objects.select_related("product", "lot", "station").order_by("id")
        return _filtered(
            units,
            self.request.query_params,
            {
                "serial": "serial",
                "product": "product",
                "lot": "lot",
                "status": "status",
                "station": "station__code",
            },
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.commission_unit(
            product=data["product"],
            serial=data["serial"],
            lot=data.get("lot"),
            station=data.get("station"),
            actor=self.request.user,
        )

    def _done(self, unit):
        unit = self.get_queryset().get(pk=unit.pk)
        return Response(s.UnitSerializer(unit).data)

    @extend_schema(request=s.StationRefSerializer, responses=s.UnitSerializer)
    @action(detail=True, methods=["post"])
    def observe(self, request, pk=None):
        body = s.StationRefSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._done(
            services.observe_unit(
                unit=self.get_object(), station=body.validated_data["station"], actor=request.user
            )
        )

    @extend_schema(request=s.AssemblySerializer, responses=s.UnitSerializer)
    @action(detail=True, methods=["post"])
    def assemble(self, request, pk=None):
        body = s.AssemblySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        parent = self.get_object()
        services.record_assembly(
            parent=parent,
            components=data.get("components", []),
            station=data.get("station"),
            lots=[(item["lot"], item["quantity"]) for item in data.get("lots", [])],
            actor=request.user,
        )
        return self._done(parent)

    @extend_schema(request=s.PackSerializer, responses=s.UnitSerializer)
    @action(detail=True, methods=["post"])
    def pack(self, request, pk=None):
        body = s.PackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        container = self.get_object()
        services.pack_units(container=container, units=body.validated_data["units"], actor=request.user)
        return self._done(container)

    @extend_schema(request=s.InspectSerializer, responses=s.UnitSerializer)
    @action(detail=True, methods=["post"])
    def inspect(self, request, pk=None):
        """An inspection result; a failed unit goes on hold."""
        body = s.InspectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        return self._done(
            services.inspect_unit(
                unit=self.get_object(),
                passed=data["passed"],
                notes=data.get("notes", ""),
                station=data.get("station"),
                actor=request.user,
            )
        )

    @extend_schema(request=s.AssociateSerializer, responses=s.UnitSerializer)
    @action(detail=True, methods=["post"])
    def associate(self, request, pk=None):
        """Bind devices, carriers or sensors (EPC URIs) to the unit: an AssociationEvent."""
        body = s.AssociateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        unit = self.get_object()
        services.associate(unit=unit, children=body.validated_data["children"], actor=request.user)
        return self._done(unit)

    @extend_schema(request=s.ShipSerializer, responses=s.UnitSerializer)
    @action(detail=True, methods=["post"], write_roles=MANAGERS)
    def ship(self, request, pk=None):
        body = s.ShipSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        unit, customer = self.get_object(), body.validated_data["customer"]
        override = None
        if "override" in body.validated_data:
            override = sign_decision(
                user=request.user,
                given=body.validated_data["override"],
                meanings=("overridden",),
                reason="",
                record={"action": "ship", "unit": unit.uri, "customer": customer},
            )
        return self._done(
            services.ship_unit(unit=unit, customer=customer, actor=request.user, override=override)
        )

    @extend_schema(request=s.ReasonSerializer, responses=s.UnitSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        body = s.ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._done(
            services.return_unit(
                unit=self.get_object(), reason=body.validated_data["reason"], actor=request.user
            )
        )

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"], url_path="return-card")
    def return_card(self, request, pk=None):
        """A returned unit at a glance: product, lot, supplier lots inside it, when it was made
        and where it went, inspections, ship date and customer, warranty, other returns on its lots."""
        return Response(return_card(self.get_object()))

    @action(detail=True, methods=["get"])
    def trace(self, request, pk=None):
        """Backward trace: the full as-built tree down to supplier lots."""
        return Response(selectors.unit_trace_backward(self.get_object()).to_dict())


class RecallViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Recall.objects.prefetch_related("lots").order_by("-id")
    serializer_class = s.RecallSerializer
    write_roles = MANAGERS

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.open_recall(
            number=data["number"],
            lots=data["lots"],
            reason=data["reason"],
            actor=self.request.user,
            signature=data["signature"],
        )

    @extend_schema(request=s.SignedReasonSerializer, responses=s.RecallSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the recall, with a reason and an electronic signature."""
        body = s.SignedReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        recall = services.close_recall(
            recall=self.get_object(),
            reason=body.validated_data["reason"],
            actor=request.user,
            signature=body.validated_data["signature"],
        )
        return Response(s.RecallSerializer(recall).data)

    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        """The affected list; ``?export=csv`` or ``?export=pdf`` downloads it."""
        recall = self.get_object()
        rows = selectors.recall_report(recall)
        export = request.query_params.get("export")
        if export == "csv":
            return csv_response(rows, f"recall-{recall.number}.csv")
        if export == "pdf":
            response = HttpResponse(recall_pdf(recall, rows), content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="recall-{recall.number}.pdf"'
            return response
        return Response(rows)


def csv_safe(value) -> str:
    """Cells that a spreadsheet would run as a formula are prefixed with a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(rows: list[dict], filename: str) -> HttpResponse:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({k: csv_safe(v) for k, v in row.items()} for row in rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_stream(header: list[str], rows, filename: str) -> StreamingHttpResponse:
    """``rows`` (lists of cells, made safe by the caller) written as they come, for exports too
    long to hold: the audit trail, a display's readings."""

    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class TraceEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail, read-only: filter by unit, lot, station, code, actor and time."""

    serializer_class = s.TraceEventSerializer

    def get_queryset(self):
        return _filtered(
            TraceEvent.objects.order_by("id"),
            self.request.query_params,
            {
                "unit": "unit",
                "lot": "lot",
                "station": "station__code",
                "code": "code",
                "actor": "actor_name",
                "since": "event_time__gte",
                "until": "event_time__lt",
            },
        )


class WipView(APIView):
    """Work in progress per station (``?line=<id>``), and the current bottleneck."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        line = (
            get_object_or_404(Line, pk=request.query_params["line"])
            if request.query_params.get("line")
            else None
        )
        ranked = selectors.bottlenecks(line)
        return Response(
            {
                "stations": [vars(w) for w in selectors.wip_by_station(line)],
                "bottleneck": ranked[0].station if ranked and ranked[0].waiting else None,
            }
        )


class JsonLdParser(JSONParser):
    media_type = "application/ld+json"


class EpcisCaptureView(APIView):
    """EPCIS 2.0 capture: ``POST`` a whole EPCISDocument (JSON-LD)."""

    parser_classes = [JSONParser, JsonLdParser]
    write_roles = (Role.ADMIN, Role.SUPERVISOR, Role.DEVICE)

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        events = capture_document(request.data, actor=request.user)
        return Response(
            {"captured": len(events), "eventIDs": [e.event_id for e in events]},
            status=status.HTTP_201_CREATED,
        )


class EpcisEventsView(APIView):
    """EPCIS 2.0 event query (SimpleEventQuery filters); pages with ``perPage`` and ``nextPageToken``."""

    @extend_schema(responses={(200, "application/ld+json"): OpenApiTypes.OBJECT})
    def get(self, request):
        rows, next_token = page(request.query_params)
        response = Response(query_document(rows), content_type="application/ld+json")
        if next_token:
            response["Link"] = f'<{request.path}?nextPageToken={next_token}>; rel="next"'
        return response
