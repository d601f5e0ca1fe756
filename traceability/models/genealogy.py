"""Genealogy: a DAG of what went into what, written in the same transaction as its event."""

from django.db import models

from traceability.choices import Relation


def node(unit_id: int | None, lot_id: int | None) -> int:
    return unit_id * 2 if unit_id is not None else lot_id * 2 + 1


class GenealogyEdge(models.Model):
    """child → parent. The child is a unit or a lot (quantity), the parent a unit or a lot.
    Exactly one of each pair is set; the service refuses an edge that would close a cycle."""

    relation = models.CharField(max_length=16, choices=Relation.choices)
    parent_unit = models.ForeignKey(
        "traceability.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="child_edges",
        db_index=False,
    )
    parent_lot = models.ForeignKey(
        "traceability.Lot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="child_edges",
        db_index=False,
    )
    child_unit = models.ForeignKey(
        "traceability.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="parent_edges",
        db_index=False,
    )
    child_lot = models.ForeignKey(
        "traceability.Lot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="parent_edges",
        db_index=False,
    )
    quantity = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    event = models.ForeignKey(
        "traceability.TraceEvent", on_delete=models.PROTECT, related_name="edges", db_index=False
    )
    # One column per side for the recursive traversals: a unit is 2·id, a lot 2·id + 1.
    parent_node = models.BigIntegerField(editable=False)
    child_node = models.BigIntegerField(editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(parent_unit__isnull=True) ^ models.Q(parent_lot__isnull=True),
                name="edge_one_parent",
            ),
            models.CheckConstraint(
                condition=models.Q(child_unit__isnull=True) ^ models.Q(child_lot__isnull=True),
                name="edge_one_child",
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__isnull=True) | models.Q(quantity__gte=0),
                name="edge_quantity_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["parent_node", "child_node"], name="edge_down"),
            models.Index(fields=["child_node", "parent_node"], name="edge_up"),
            # splits of a lot, found without walking the lot's (many) consumed-into edges
            models.Index(fields=["child_node"], name="edge_split", condition=models.Q(relation="split_from")),
        ]

    def __str__(self):
        return f"{self.child_node} {self.relation} {self.parent_node}"

    def save(self, *args, **kwargs):
        self.set_nodes()
        super().save(*args, **kwargs)

    def set_nodes(self) -> "GenealogyEdge":
        self.parent_node = node(self.parent_unit_id, self.parent_lot_id)
        self.child_node = node(self.child_unit_id, self.child_lot_id)
        return self


class LotUnitIndex(models.Model):
    """Maintained where-used index: ``lot`` is somewhere in ``unit``'s as-built tree. Written by
    the assembly service with the edge, so a forward trace is one indexed read, not a walk."""

    lot = models.ForeignKey("traceability.Lot", on_delete=models.PROTECT, db_index=False)
    unit = models.ForeignKey("traceability.Unit", on_delete=models.PROTECT, db_index=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lot", "unit"], name="lot_unit_once")]
        indexes = [models.Index(fields=["unit"], name="lotunit_unit")]

    def __str__(self):
        return f"lot {self.lot_id} in unit {self.unit_id}"
