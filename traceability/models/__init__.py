from traceability.models.events import AuditChainHead, ChainVerification, EventIdentifier, TraceEvent
from traceability.models.genealogy import GenealogyEdge, LotUnitIndex
from traceability.models.master import Line, Lot, Product, Site, Station, Supplier, Unit, WorkOrder
from traceability.models.purchasing import PurchaseOrder, PurchaseOrderLine
from traceability.models.recall import Recall, RecallItem
from traceability.models.returns import ReturnCase
from traceability.models.shipments import Shipment

__all__ = [
    "AuditChainHead",
    "ChainVerification",
    "EventIdentifier",
    "GenealogyEdge",
    "Line",
    "Lot",
    "LotUnitIndex",
    "Product",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "Recall",
    "RecallItem",
    "ReturnCase",
    "Shipment",
    "Site",
    "Station",
    "Supplier",
    "TraceEvent",
    "Unit",
    "WorkOrder",
]
