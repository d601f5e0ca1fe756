"""Supplier documents: ``POST /api/supplier-documents/`` (a PDF or photo; 202, read on the worker),
the list (``?status=review`` is the documents' review queue), and ``POST …/{id}/review/``."""

from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.choices import Role
from integrations import supplier_docs
from integrations.models import SupplierDocument
from ocr.documents import DocumentRefused


class SupplierDocumentSerializer(serializers.ModelSerializer):
    purchase_order = serializers.CharField(source="purchase_order.number", default=None, read_only=True)
    lots = serializers.SerializerMethodField()

    class Meta:
        model = SupplierDocument
        fields = [
            "id", "sha256", "original_name", "mime_type", "size_bytes", "status", "kind", "source", "parsed",
            "reasons", "purchase_order", "lots", "created_at", "read_at", "decided_at", "note",
        ]  # fmt: skip
        read_only_fields = fields

    def get_lots(self, document) -> list[dict]:
        return [
            {"id": lot.pk, "product": lot.product.part_number, "code": lot.code}
            for lot in document.lots.all()
        ]


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class DocumentReviewSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["accept", "reject"])
    po_number = serializers.CharField(required=False, max_length=64)
    lines = serializers.ListField(child=serializers.DictField(), required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SupplierDocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = SupplierDocumentSerializer
    parser_classes = [MultiPartParser, JSONParser]
    read_roles = (Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR, Role.AUDITOR)
    write_roles = (Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR)

    def get_queryset(self):
        found = SupplierDocument.objects.select_related("purchase_order").prefetch_related("lots__product")
        if self.request.query_params.get("status"):
            found = found.filter(status=self.request.query_params["status"])
        return found.order_by("-created_at", "-pk")

    def get_serializer_class(self):
        return {"create": UploadSerializer, "review": DocumentReviewSerializer}.get(
            self.action, SupplierDocumentSerializer
        )

    def create(self, request, *args, **kwargs):
        form = UploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        try:
            document, created = supplier_docs.take(data=upload.read(), actor=request.user, name=upload.name)
        except DocumentRefused as exc:
            raise ValidationError({"detail": exc.message, "code": exc.code}) from None
        return Response(SupplierDocumentSerializer(document).data, status=202 if created else 200)

    @action(detail=True, methods=["post"], write_roles=(Role.ADMIN, Role.SUPERVISOR))
    def review(self, request, pk=None):
        form = DocumentReviewSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            document = supplier_docs.review(
                document=self.get_object(),
                actor=request.user,
                accept=data["action"] == "accept",
                fields={"po_number": data["po_number"]} if data.get("po_number") else None,
                lines=data.get("lines"),
                note=data["note"],
            )
        except supplier_docs.ReviewRefused as exc:
            raise ValidationError({"detail": exc.message, "reasons": exc.reasons}) from None
        return Response(SupplierDocumentSerializer(document).data)
