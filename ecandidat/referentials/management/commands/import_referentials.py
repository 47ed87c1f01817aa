from django.core.management.base import BaseCommand

from ecandidat.referentials.importer import import_all


class Command(BaseCommand):
    help = (
        "Load or refresh the reference data (countries, departments, communes, postal codes, "
        "high schools, baccalaureate series, specialities, honours). Idempotent."
    )

    def handle(self, *args, **options):
        import_all(log=self.stdout.write)
