"""Fail when a user-facing string has no French translation.

Refreshes ecandidat/locale/fr/LC_MESSAGES/django.po from the code and templates (the same
`makemessages` call as `make messages`), then lists every entry that is untranslated or
fuzzy. Run by `make lint` (and so by CI); needs GNU gettext.
"""

import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "ecandidat" / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def main() -> int:
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "makemessages",
            "-l",
            "fr",
            "--no-obsolete",
            "--add-location",
            "file",
        ],
        cwd=ROOT / "ecandidat",
        check=True,
        stdout=subprocess.DEVNULL,
    )
    catalogue = polib.pofile(str(CATALOGUE))
    missing = catalogue.untranslated_entries() + catalogue.fuzzy_entries()
    for entry in missing:
        where = ", ".join(f"{path}" for path, _line in entry.occurrences[:2])
        print(f"untranslated: {entry.msgid[:90]!r} ({where})")
    if missing:
        print(f"{len(missing)} string(s) without a French translation in {CATALOGUE}")
        return 1
    print(f"French catalogue complete ({len(catalogue)} entries).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
