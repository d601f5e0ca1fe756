"""Demo data: a site with one line of stations, products, lots, serialised units, users of every
role, and a few captures of rendered labels that go through the real reading pipeline."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from ocr.choices import CaptureSource
from ocr.labels import label_bytes
from ocr.models import Capture
from ocr.services import create_capture
from traceability import services
from traceability.models import Line, Lot, Product, Site, Station, Supplier, Unit, WorkOrder

STATIONS = [
    ("smt", "SMT placement"),
    ("assembly", "Final assembly"),
    ("test", "End-of-line test"),
    ("pack", "Packing"),
]


class Command(BaseCommand):
    help = "Load demo data (idempotent) and create the admin login."

    def add_arguments(self, parser):
        parser.add_argument("--admin-password", default="tracelens-admin")

    def handle(self, *args, admin_password, **options):
        with transaction.atomic():
            admin = self._users(admin_password)
            self._master_data(admin)
            self._inspection(admin)
            self._equipment()
        if not Capture.objects.exists():
            self._captures(admin)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))

    def _users(self, admin_password):
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={"role": Role.ADMIN, "is_superuser": True, "email": "admin@example.com"},
        )
        if created:
            admin.set_password(admin_password)
            admin.save()
        for role in (Role.SUPERVISOR, Role.OPERATOR, Role.AUDITOR):
            user, created = User.objects.get_or_create(username=role.value, defaults={"role": role})
            if created:
                user.set_password(f"tracelens-{role.value}")
                user.save()
        return admin

    def _master_data(self, admin):
        site, _ = Site.objects.get_or_create(code="plant-1", defaults={"name": "Plant 1"})
        line, _ = Line.objects.get_or_create(site=site, code="line-a", defaults={"name": "Line A"})
        for sequence, (code, name) in enumerate(STATIONS, start=1):
            Station.objects.get_or_create(
                code=code, defaults={"line": line, "name": name, "sequence": sequence}
            )
        supplier, _ = Supplier.objects.get_or_create(code="acme", defaults={"name": "ACME Components"})
        board, _ = Product.objects.get_or_create(
            part_number="TL-1000",
            defaults={
                "name": "Controller board",
                "gtin": "09501101020917",
                "revision": "B",
                "serial_pattern": r"^SN\d{6}$",
                "lot_pattern": r"^L\d{4}-\d{4}$",
                "warranty_days": 730,
            },
        )
        cap, _ = Product.objects.get_or_create(
            part_number="CAP-220U", defaults={"name": "Capacitor 220 µF", "supplier": supplier}
        )
        order, _ = WorkOrder.objects.get_or_create(
            number="WO-2026-0042", defaults={"product": board, "line": line, "quantity": 500}
        )
        from integrations import demo as document_demo

        document_demo.seed(admin=admin, supplier=supplier, product=cap)
        caps = Lot.objects.filter(product=cap, code="C2026-1187").first() or services.receive_lot(
            product=cap,
            code="C2026-1187",
            quantity=10000,
            supplier=supplier,
            expires_on=dt.date(2028, 3, 31),
            actor=admin,
        )
        # the line ran in the three hours before the demo was seeded: WIP and dwell read as a live
        # line's, not a month-old one's
        start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=3)
        lot, _ = Lot.objects.get_or_create(
            product=board,
            code="L2026-0042",
            defaults={
                "line": line,
                "work_order": order,
                "quantity": 500,
                "manufactured_on": start.date(),
            },
        )
        # Units made the way the services record them: commissioned, capacitors consumed into
        # each, seen at the stations; so genealogy, WIP and the audit trail have a history.
        stations = list(Station.objects.filter(line=line).order_by("sequence"))
        for n in range(1, 21):
            if Unit.objects.filter(product=board, serial=f"SN{n:06d}").exists():
                continue
            moment = start + dt.timedelta(minutes=7 * n)
            unit = services.commission_unit(
                product=board,
                serial=f"SN{n:06d}",
                lot=lot,
                station=stations[0],
                actor=admin,
                event_time=moment,
            )
            services.record_assembly(
                parent=unit, lots=[(caps, 4)], station=stations[0], actor=admin, event_time=moment
            )
            for k, station in enumerate(stations[1 : 1 + n % len(stations)], start=1):
                services.observe_unit(
                    unit=unit, station=station, actor=admin, event_time=moment + dt.timedelta(minutes=5 * k)
                )

    def _inspection(self, admin):
        """A bare board checked against its golden template at the SMT station, and a final QC
        plan on the controller board's lots (required before release), done once."""
        import cv2

        from inspection.demo import board
        from inspection.models import DefectCheck, DefectClass, InspectionPlan
        from inspection.services import record_inspection
        from inspection.vision.golden import KINDS
        from ocr.services import store_image

        bare, _ = Product.objects.get_or_create(part_number="PCB-100", defaults={"name": "Bare board"})
        for kind in KINDS:
            DefectClass.objects.get_or_create(product=bare, name=kind)
        if not DefectCheck.objects.filter(product=bare).exists():
            DefectCheck.objects.create(
                product=bare,
                station=Station.objects.get(code="smt"),
                name="Bare board against golden template",
                method="golden",
                template=store_image(data=cv2.imencode(".png", board())[1].tobytes()),
            )
        plan, created = InspectionPlan.objects.get_or_create(
            product=Product.objects.get(part_number="TL-1000"),
            name="Final QC",
            defaults={
                "scope": "lot",
                "items": [
                    {"key": "visual", "label": "No visible damage", "kind": "check"},
                    {
                        "key": "current",
                        "label": "Idle current",
                        "kind": "measure",
                        "low": 40,
                        "high": 60,
                        "unit": "mA",
                    },
                ],
            },
        )
        if created:
            record_inspection(
                plan=plan,
                actor=admin,
                lot=Lot.objects.get(code="L2026-0042"),
                values={"visual": True, "current": 52.5},
            )

    def _equipment(self):
        """A reflow oven at the SMT station whose zone-3 and zone-4 displays are photographed
        hourly: three days of readings, zone 3's last day creeping up, so its drift rule has
        fired, zone 4's steady."""
        from inspection.models import AlertRule, Display, Equipment
        from inspection.services.meters import record_meter_reading
        from inspection.vision.sevenseg import DisplayReading

        station = Station.objects.get(code="smt")
        oven, created = Equipment.objects.get_or_create(
            code="REFLOW-1", defaults={"name": "Reflow oven", "line": station.line, "station": station}
        )
        if not created:
            return
        display = Display.objects.create(
            equipment=oven, name="zone 3", kind="7seg_lcd", digits=4, decimals=1, unit="°C",
            min_value=0, max_value=300, max_rate_per_hour=30,
        )  # fmt: skip
        AlertRule.objects.create(display=display, name="too hot", kind="threshold", high=260)
        AlertRule.objects.create(display=display, name="drift", kind="drift", baseline=24)
        AlertRule.objects.create(
            display=display, name="hot within 8 h", kind="time_to_limit", high=260, hours=8
        )
        AlertRule.objects.create(display=display, name="not read", kind="stale", minutes=180)
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        for hour in range(72, 0, -1):
            level = 235 + (0.8 if hour % 3 else -0.6) + max(0, 24 - hour) * 0.6
            reading = DisplayReading(f"{level:.1f}", round(level, 1), 0.97)
            record_meter_reading(display=display, reading=reading, at=now - dt.timedelta(hours=hour))
        # the peak zone beside it holds steady: on the page's comparison, the drift is zone 3's own
        peak = Display.objects.create(
            equipment=oven, name="zone 4", kind="7seg_lcd", digits=4, decimals=1, unit="°C",
            min_value=0, max_value=300, max_rate_per_hour=30,
        )  # fmt: skip
        for hour in range(72, 0, -1):
            level = 244 + (0.5 if hour % 2 else -0.4)
            reading = DisplayReading(f"{level:.1f}", round(level, 1), 0.97)
            record_meter_reading(display=peak, reading=reading, at=now - dt.timedelta(hours=hour))

    def _captures(self, admin):
        import cv2

        from inspection.demo import display_photo
        from inspection.models import Display

        display = Display.objects.filter(equipment__code="REFLOW-1").first()
        if display is not None:  # an operator's photo of the oven's display, read like any capture
            create_capture(
                actor=admin,
                data=cv2.imencode(".jpg", display_photo("249.8", tilt=0.1))[1].tobytes(),
                source=CaptureSource.DEMO,
                station=display.equipment.station,
                metadata={"display": display.pk},
                original_name="demo-reflow-zone3.jpg",
            )
        station = Station.objects.get(code="pack")
        for serial in ("SN000001", "SN000002", "SN000003"):
            gs1 = f"(01)09501101020917(10)L2026-0042(21){serial}"
            lines = ["TL-1000 Controller board", "LOT L2026-0042", f"S/N {serial}"]
            data = label_bytes(lines, code=gs1, gs1=True)
            create_capture(
                actor=admin,
                data=data,
                source=CaptureSource.DEMO,
                station=station,
                original_name=f"demo-{serial}.png",
            )
