from django.core.management.base import BaseCommand

from ecandidat.decisions.services import auto_withdraw


class Command(BaseCommand):
    help = (
        "Withdraw favourable offers not confirmed by their deadline and promote the "
        "complementary lists (periodic job)."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{auto_withdraw()} offer(s) withdrawn.")
