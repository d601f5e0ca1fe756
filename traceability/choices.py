from django.db import models


class LotStatus(models.TextChoices):
    RELEASED = "released", "Released"
    QUARANTINED = "quarantined", "Quarantined"
    RECALLED = "recalled", "Recalled"


class UnitStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    FINISHED = "finished", "Finished"
    ON_HOLD = "on_hold", "On hold"
    SHIPPED = "shipped", "Shipped"
    RETURNED = "returned", "Returned"
    SCRAPPED = "scrapped", "Scrapped"


class WorkOrderStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    RELEASED = "released", "Released"
    CLOSED = "closed", "Closed"


class EventType(models.TextChoices):
    """EPCIS 2.0 event types (stored with their EPCIS names)."""

    OBJECT = "ObjectEvent", "Object event"
    AGGREGATION = "AggregationEvent", "Aggregation event"
    TRANSFORMATION = "TransformationEvent", "Transformation event"
    ASSOCIATION = "AssociationEvent", "Association event"
    TRANSACTION = "TransactionEvent", "Transaction event"
    # Not EPCIS: what the audit trail keeps beside the events (machine readings, people's
    # reviews, sign-ins); chained like them, never served by the EPCIS interface.
    RECORD = "AuditRecord", "Audit record"


class EventCode(models.TextChoices):
    """What happened, in TraceLens terms; written by the service that did it. Never renamed."""

    COMMISSION = "commission", "Commissioned"
    OBSERVE = "observe", "Observed at a station"
    INSPECT = "inspect", "Inspected"
    ASSEMBLE = "assemble", "Assembled"
    PACK = "pack", "Packed"
    ASSOCIATE = "associate", "Associated"
    SPLIT = "split", "Lot split"
    SHIP = "ship", "Shipped"
    RECEIVE = "receive", "Received"
    RETURN = "return", "Returned"
    HOLD = "hold", "Put on hold"
    RELEASE = "release", "Released"
    RECALL_OPEN = "recall_open", "Recall opened"
    RECALL_CLOSE = "recall_close", "Recall closed"
    EPCIS = "epcis", "Captured through EPCIS"
    VERIFY = "verify", "Label verified"
    RETURN_SETTLED = "return_settled", "Return settled"
    READ = "read", "Read by a machine"
    REVIEW = "review", "Reviewed by a person"
    LOGIN = "login", "Signed in"
    LOGIN_FAILED = "login_failed", "Sign-in refused"
    LOGOUT = "logout", "Signed out"
    ERP_IMPORT = "erp_import", "Imported from the ERP"


class Relation(models.TextChoices):
    INSTALLED_IN = "installed_in", "Installed in"
    CONSUMED_INTO = "consumed_into", "Consumed into"
    SPLIT_FROM = "split_from", "Split from"
    PACKED_IN = "packed_in", "Packed in"


class RecallStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ReturnReason(models.TextChoices):
    DEFECTIVE = "defective", "Defective"
    DAMAGED = "damaged", "Damaged in transit"
    WRONG_ITEM = "wrong_item", "Wrong item"
    NOT_AS_DESCRIBED = "not_as_described", "Not as described"
    OTHER = "other", "Other"


class ReturnDisposition(models.TextChoices):
    REPAIR = "repair", "Repair"
    REPLACE = "replace", "Replace"
    SCRAP = "scrap", "Scrap"
    RETURN_TO_SUPPLIER = "return_to_supplier", "Return to supplier"


class ReturnStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ShipmentStatus(models.TextChoices):
    OPEN = "open", "Open (loading)"
    SHIPPED = "shipped", "Shipped"
