import factory

from accounts.choices import Role
from accounts.models import User
from traceability.models import Line, Lot, Product, Site, Station, Supplier, Unit

PASSWORD = "correct-horse-battery"  # every factory user's
SIGNED = {"password": PASSWORD}  # an electronic signature as a request gives it


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.OPERATOR
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    code = factory.Sequence(lambda n: f"site-{n}")
    name = factory.Sequence(lambda n: f"Site {n}")


class LineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Line

    site = factory.SubFactory(SiteFactory)
    code = factory.Sequence(lambda n: f"line-{n}")
    name = factory.Sequence(lambda n: f"Line {n}")


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station

    line = factory.SubFactory(LineFactory)
    code = factory.Sequence(lambda n: f"station-{n}")
    name = factory.Sequence(lambda n: f"Station {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    part_number = factory.Sequence(lambda n: f"PN-{n:04d}")
    name = "Test product"


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot

    product = factory.SubFactory(ProductFactory)
    code = factory.Sequence(lambda n: f"LOT{n:05d}")
    quantity = 100


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    product = factory.SubFactory(ProductFactory)
    lot = factory.SubFactory(LotFactory, product=factory.SelfAttribute("..product"))
    serial = factory.Sequence(lambda n: f"SN{n:06d}")


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    code = factory.Sequence(lambda n: f"sup-{n}")
    name = factory.Sequence(lambda n: f"Supplier {n}")
