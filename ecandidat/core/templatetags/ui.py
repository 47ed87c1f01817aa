from django import forms, template

register = template.Library()

_CHECK_WIDGETS = (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)


@register.inclusion_tag("includes/field.html")
def field(bound_field, autofocus=False):
    """A labelled Bootstrap field whose errors and help are announced by screen readers."""
    widget = bound_field.field.widget
    described_by = []
    if bound_field.help_text:
        described_by.append(f"{bound_field.auto_id}_help")
    if bound_field.errors:
        described_by.append(f"{bound_field.auto_id}_error")
    if isinstance(widget, forms.Select):
        css = "form-select"
    elif isinstance(widget, _CHECK_WIDGETS):
        css = "form-check-input"
    else:
        css = "form-control"
    attrs = {"class": css + (" is-invalid" if bound_field.errors else "")}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    if autofocus:
        attrs["autofocus"] = True
    return {
        "field": bound_field,
        "widget_html": bound_field.as_widget(attrs=attrs),
        "is_check": isinstance(widget, forms.CheckboxInput),
    }
