import pytest
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import ApiToken
from ocr.labels import label_bytes
from tests.factories import StationFactory, UnitFactory, UserFactory


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def station(db):
    return StationFactory()


@pytest.fixture
def unit(db):
    return UnitFactory(serial="SN424242", lot__code="L2026-0007")


@pytest.fixture
def label_png(unit):
    """A label for ``unit``: text lines and a GS1 DataMatrix with its lot and serial."""
    gs1 = f"(01)09501101020917(10){unit.lot.code}(21){unit.serial}"
    return label_bytes(
        [f"P/N {unit.product.part_number}", f"LOT {unit.lot.code}", f"S/N {unit.serial}"], code=gs1, gs1=True
    )


@pytest.fixture
def make_user(db):
    def make(role=Role.OPERATOR, **kwargs):
        return UserFactory(role=role, **kwargs)

    return make


@pytest.fixture
def device(make_user, station):
    user = make_user(Role.DEVICE)
    user.stations.add(station)
    return user


@pytest.fixture
def device_client(device):
    _, key = ApiToken.issue(user=device, name="camera-1")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client
