from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "ecandidat.applications"
    label = "applications"
    verbose_name = _("Applications")

    def ready(self):
        from PIL import Image

        from ecandidat.files.uploads import MAX_PIXELS

        # Pillow warns beyond this many pixels and refuses twice as many: for every image
        # decoded in the process (staff forms, WeasyPrint), not only candidates' uploads.
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
