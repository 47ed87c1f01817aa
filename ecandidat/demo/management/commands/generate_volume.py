import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ecandidat.demo import volume


class Command(BaseCommand):
    help = (
        "Generate candidates, dossiers, applications, documents and decisions for benchmarks "
        "and load tests (ecandidat/demo/volume.py). Idempotent: the same volume again does "
        "nothing, another one replaces the generated data. Every generated account has the "
        "same known password: test and measurement databases only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--candidates", type=int, default=30_000)
        parser.add_argument("--applications", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--password", default=volume.DEFAULT_PASSWORD)
        parser.add_argument(
            "--replace", action="store_true", help="Generate again even if the volume is there."
        )
        parser.add_argument(
            "--delete", action="store_true", help="Only delete the generated accounts and rows."
        )
        parser.add_argument(
            "--personas",
            metavar="FILE",
            help="Also write the load test's personas (logins, applications) to this JSON file.",
        )
        parser.add_argument(
            "--allow-known-passwords",
            action="store_true",
            help="Run with DEBUG off (a measurement server): the accounts' password is known.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_known_passwords"]:
            raise CommandError(
                "generate_volume creates accounts with a known password: it runs with DEBUG "
                "on, or with --allow-known-passwords on a measurement database."
            )
        log = self.stdout.write
        if options["delete"]:
            volume.delete(log)
            return
        try:
            volume.generate(
                candidates=options["candidates"],
                applications=options["applications"],
                seed=options["seed"],
                password=options["password"],
                replace=options["replace"],
                log=log,
            )
        except (ValueError, RuntimeError) as error:
            raise CommandError(str(error)) from None
        if options["personas"]:
            personas = volume.personas(password=options["password"])
            Path(options["personas"]).write_text(json.dumps(personas, indent=1))
            log(
                f"personas: {len(personas['deadline'])} before the deadline, "
                f"{len(personas['results'])} with an offer to answer -> {options['personas']}"
            )
