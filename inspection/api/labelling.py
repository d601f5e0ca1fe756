"""Defect classes per product, boxes drawn on captures, and datasets exported from them."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.choices import Role
from inspection.models import Annotation, DefectClass
from inspection.services.labelling import annotate, export_dataset
from ocr.selectors import captures_visible_to
from traceability.models import Product

MANAGERS = (Role.ADMIN, Role.SUPERVISOR)
LABELLERS = (Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR)


class DefectClassSerializer(serializers.ModelSerializer):
    product = serializers.SlugRelatedField(slug_field="part_number", queryset=Product.objects.all())

    class Meta:
        model = DefectClass
        fields = ["id", "product", "name"]


class DefectClassViewSet(viewsets.ModelViewSet):
    """The defect classes each product's detector learns (``?product=``)."""

    serializer_class = DefectClassSerializer
    write_roles = MANAGERS

    def get_queryset(self):
        classes = DefectClass.objects.select_related("product")
        if product := self.request.query_params.get("product"):
            classes = classes.filter(product__part_number=product)
        return classes


class AnnotationSerializer(serializers.ModelSerializer):
    box = serializers.ListField(child=serializers.FloatField(), min_length=4, max_length=4, write_only=True)
    label = serializers.CharField(source="defect_class.name", read_only=True)
    author = serializers.CharField(source="author.username", read_only=True)

    class Meta:
        model = Annotation
        fields = [
            "id",
            "capture",
            "defect_class",
            "label",
            "box",
            "x1",
            "y1",
            "x2",
            "y2",
            "author",
            "created_at",
        ]
        read_only_fields = ["x1", "y1", "x2", "y2", "author", "created_at"]


class ExportSerializer(serializers.Serializer):
    product = serializers.SlugRelatedField(slug_field="part_number", queryset=Product.objects.all())
    name = serializers.CharField(help_text="The dataset's name (letters, digits, - and _).")


class AnnotationViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Boxes drawn on the captures you may see (``?capture=<id>``). Admins, supervisors and
    operators draw and delete them; ``export`` (admins, supervisors) writes a product's boxes
    as a YOLO dataset ready for a training job."""

    serializer_class = AnnotationSerializer
    write_roles = LABELLERS

    def get_queryset(self):
        found = Annotation.objects.filter(capture__in=captures_visible_to(self.request.user)).select_related(
            "defect_class", "author"
        )
        if self.request.query_params.get("capture", "").isdigit():
            found = found.filter(capture_id=self.request.query_params["capture"])
        return found.order_by("pk")

    def perform_create(self, serializer):
        data = serializer.validated_data
        capture = get_object_or_404(captures_visible_to(self.request.user), pk=data["capture"].pk)
        serializer.instance = annotate(
            capture=capture, defect_class=data["defect_class"], box=data["box"], actor=self.request.user
        )

    @extend_schema(request=ExportSerializer, responses={201: dict})
    @action(detail=False, methods=["post"], write_roles=MANAGERS)
    def export(self, request):
        body = ExportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        _, dataset = export_dataset(product=body.validated_data["product"], name=body.validated_data["name"])
        return Response(
            {
                "dataset": body.validated_data["name"],
                "images": len(dataset.images),
                "boxes": sum(len(i.boxes) for i in dataset.images),
                "classes": list(dataset.classes),
            },
            status=status.HTTP_201_CREATED,
        )
