from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ecandidat.dossier.local_studies import COLUMNS, import_local_studies


class Command(BaseCommand):
    help = (
        "Import candidates' local studies from a CSV extract of the student information system "
        f"(columns: {', '.join(COLUMNS)}). Matched by student number, then INE; idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path, **options):
        try:
            text = path.read_text(encoding="utf-8-sig")
            report = import_local_studies(text)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{report.rows} row(s) imported for {report.candidates} candidate(s); "
            f"{len(report.unmatched)} row(s) matched no candidate"
            + (f" (lines {', '.join(map(str, report.unmatched[:20]))})" if report.unmatched else "")
            + (", kept until the student signs in" if report.unmatched else "")
            + f"; {len(report.invalid)} invalid row(s)."
        )
        for line, reason in report.invalid[:20]:
            self.stdout.write(f"  line {line}: {reason}")
