from django.core.management.base import BaseCommand, CommandError

from ecandidat.identity import saml_metadata


class Command(BaseCommand):
    help = "Fetch the SAML federation / IdP metadata, check its signature, keep the good copy."

    def handle(self, *args, **options):
        sources = saml_metadata.configured_sources()
        if not sources:
            self.stdout.write("No SAML metadata configured.")
            return
        errors = saml_metadata.refresh_all()
        for row in saml_metadata.current():
            self.stdout.write(
                f"{row.url}: {row.entities} entity(ies), valid until {row.valid_until}"
            )
        if errors:
            raise CommandError("; ".join(errors))
