"""The colours staff choose (tags, overdue rows) as a stylesheet.

Our Content-Security-Policy allows no style attribute, so a colour stored in the database
cannot be written into the page; it is a class of this stylesheet instead, linked by the
pages that show tags or overdue rows. Only well-formed #rrggbb values are written, so a
stored value can never inject CSS.
"""

import re

from django.http import HttpResponse

from ecandidat.catalog.models import InstitutionSettings
from ecandidat.review.models import Tag
from ecandidat.www.access import staff_required

COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@staff_required
def stylesheet(request):
    rules = []
    overdue = InstitutionSettings.load().overdue_colour
    if COLOUR.fullmatch(overdue or ""):
        rules.append(f"tr.overdue {{ --overdue: {overdue}; }}")
    for pk, colour in Tag.objects.values_list("pk", "colour").order_by("pk"):
        if COLOUR.fullmatch(colour or ""):
            rules.append(f".tag-badge.tag-{pk} {{ --tag-colour: {colour}; }}")
    return HttpResponse("\n".join(rules) + "\n", content_type="text/css; charset=utf-8")
