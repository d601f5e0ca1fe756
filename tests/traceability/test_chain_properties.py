"""Property test (hypothesis) for the audit chain: any single change to any meaningful column,
any deletion and any reordering of trace events is found by ``verify_chain``."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.choices import Role
from tests.factories import ProductFactory, SupplierFactory
from traceability import services
from traceability.events import verify_chain
from traceability.models import TraceEvent

pytestmark = pytest.mark.django_db
TEXT_COLUMNS = [
    "action",
    "biz_step",
    "disposition",
    "read_point",
    "biz_location",
    "actor_name",
    "correlation_id",
]
EXAMPLES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def events(make_user):
    actor = make_user(Role.SUPERVISOR)
    lot = services.receive_lot(
        product=ProductFactory(), code="L1", quantity=100, supplier=SupplierFactory(), actor=actor
    )
    product = ProductFactory()
    for n in range(4):
        unit = services.commission_unit(product=product, serial=f"U{n}", actor=actor)
        services.record_assembly(parent=unit, lots=[(lot, 1)], actor=actor)
    ids = list(TraceEvent.objects.order_by("pk").values_list("pk", flat=True))
    assert verify_chain().ok and len(ids) == 9
    return ids


def tampered(mutate) -> bool:
    """Apply ``mutate`` behind the services' back, verify, and undo it."""
    with transaction.atomic():
        mutate()
        verdict = verify_chain()
        transaction.set_rollback(True)
    return not verdict.ok


@EXAMPLES
@given(data=st.data())
def test_any_single_change_is_found(events, data):
    pk = data.draw(st.sampled_from(events))
    column = data.draw(st.sampled_from(TEXT_COLUMNS))
    current = TraceEvent.objects.values_list(column, flat=True).get(pk=pk) or ""
    value = data.draw(st.text(max_size=40).filter(lambda v: v != current))
    assert tampered(lambda: TraceEvent.objects.filter(pk=pk).update(**{column: value}))


@EXAMPLES
@given(data=st.data())
def test_any_deletion_is_found(events, data):
    pk = data.draw(st.sampled_from(events))
    assert tampered(lambda: TraceEvent.objects.filter(pk=pk)._raw_delete(TraceEvent.objects.db))


@EXAMPLES
@given(data=st.data())
def test_any_reordering_is_found(events, data):
    first, second = sorted(data.draw(st.lists(st.sampled_from(events), min_size=2, max_size=2, unique=True)))

    def swap():
        a = TraceEvent.objects.filter(pk=first).values().get()
        b = TraceEvent.objects.filter(pk=second).values().get()
        TraceEvent.objects.filter(pk=first).update(**{k: v for k, v in b.items() if k != "id"})
        TraceEvent.objects.filter(pk=second).update(**{k: v for k, v in a.items() if k != "id"})

    assert tampered(swap)
