import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.choices import Role
from accounts.models import User
from traceability.models import Line, Site, Station


class Command(BaseCommand):
    help = (
        "Create or update a user with a role. The password comes from --password-env (the name of "
        "an environment variable), so it never appears in the process list."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--password-env", help="environment variable holding the password")
        parser.add_argument(
            "--station", action="append", default=[], help="station code (devices); repeatable"
        )
        parser.add_argument(
            "--line", action="append", default=[], help="line code a person is limited to; repeatable"
        )
        parser.add_argument(
            "--site", action="append", default=[], help="site code a person is limited to; repeatable"
        )

    @transaction.atomic
    def handle(self, *args, username, role, password_env, station, line, site, **options):
        stations = list(Station.objects.filter(code__in=station))
        missing = set(station) - {s.code for s in stations}
        if missing:
            raise CommandError(f"unknown station(s): {', '.join(sorted(missing))}")
        lines, sites = list(Line.objects.filter(code__in=line)), list(Site.objects.filter(code__in=site))
        missing = (set(line) - {x.code for x in lines}) | (set(site) - {x.code for x in sites})
        if missing:
            raise CommandError(f"unknown line(s) or site(s): {', '.join(sorted(missing))}")
        user, created = User.objects.get_or_create(username=username, defaults={"role": role})
        user.role = role
        if password_env:
            password = os.environ.get(password_env)
            if not password:
                raise CommandError(f"environment variable {password_env} is empty or unset")
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise CommandError("password refused: " + " ".join(exc.messages)) from None
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        user.save()
        if stations:
            user.stations.set(stations)
        if lines or sites:
            user.lines.set(lines)
            user.sites.set(sites)
        self.stdout.write(f"{'created' if created else 'updated'} {username} ({role})")
