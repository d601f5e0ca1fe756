"""ERP hand-off over the API: ``POST /api/imports/{kind}/`` (a CSV ``file`` or JSON ``rows``;
``dry_run``, ``all_or_nothing``) and ``GET /api/exports/{kind}.{csv|xlsx}``."""

import hashlib
import io

from django.http import FileResponse, Http404, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.choices import Role
from integrations import erp, exports


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="CSV with a header row (`,`, `;` or tab).")
    rows = serializers.ListField(child=serializers.DictField(), required=False, max_length=erp.MAX_ROWS)
    dry_run = serializers.BooleanField(default=False, help_text="Report what would change; keep nothing.")
    all_or_nothing = serializers.BooleanField(
        default=False, help_text="Keep nothing when any row is wrong (else the good rows are kept)."
    )


class ImportView(APIView):
    """Import products, work orders, shipments or purchase orders; idempotent on natural keys.
    The answer reports each row by its line: created, updated (old → new), unchanged or error.
    400 when the file cannot be read, or when ``all_or_nothing`` kept nothing."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]
    read_roles = write_roles = (Role.ADMIN, Role.SUPERVISOR)

    @extend_schema(request=ImportSerializer, responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT})
    def post(self, request, kind: str):
        if kind not in erp.KINDS:
            raise Http404(f"unknown import kind {kind!r}: one of {', '.join(erp.KINDS)}")
        form = ImportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            if data.get("file") is not None:
                content = data["file"].read()
                rows = erp.read_csv(content)
                source = f"{data['file'].name} (sha256 {hashlib.sha256(content).hexdigest()[:16]})"
            elif "rows" in data:
                rows, source = (
                    [(n + 1, {str(k).lower(): v for k, v in r.items()}) for n, r in enumerate(data["rows"])],
                    "api",
                )
            else:
                raise ValidationError({"detail": "send a CSV file or JSON rows", "code": "nothing_to_import"})
            report = erp.import_rows(
                kind,
                rows,
                dry_run=data["dry_run"],
                all_or_nothing=data["all_or_nothing"],
                actor=request.user,
                source=source,
            )
        except erp.ImportRefused as exc:
            raise ValidationError({"detail": str(exc), "code": "unreadable"}) from None
        failed = not report.dry_run and not report.applied
        return Response(report.as_dict(), status=400 if failed else 200)


class ExportView(APIView):
    """Lots, units, inspection records or genealogy edges, every row, as CSV or XLSX."""

    read_roles = (Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR)

    @extend_schema(
        parameters=[OpenApiParameter("kind", str, "path", enum=list(exports.KINDS))],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
    )
    def get(self, request, kind: str, ext: str):
        if kind not in exports.KINDS or ext not in exports.FORMATS:
            raise Http404("unknown export")
        name = f"tracelens-{kind}.{ext}"
        if ext == "csv":
            response = StreamingHttpResponse(exports.as_csv(kind), content_type=exports.FORMATS[ext])
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        return FileResponse(
            io.BytesIO(exports.as_xlsx(kind)),
            as_attachment=True,
            filename=name,
            content_type=exports.FORMATS[ext],
        )
