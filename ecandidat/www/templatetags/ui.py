from django import forms, template

register = template.Library()

_CHECK_WIDGETS = (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)


@register.inclusion_tag("includes/field.html")
def field(bound_field, autofocus=False):
    """A labelled Bootstrap field whose errors and help are announced by screen readers."""
    widget = bound_field.field.widget
    # Forms may mark fields required only in some states (e.g. the department in France).
    required = bound_field.field.required or bound_field.name in getattr(
        bound_field.form, "conditionally_required", ()
    )
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
    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        # A group of choices is a fieldset whose legend is the label; each option is a
        # Bootstrap form-check rendered from the sub-widgets.
        widget.attrs["class"] = "form-check-input" + (" is-invalid" if bound_field.errors else "")
        return {
            "field": bound_field,
            "is_group": True,
            "required": required,
            "described_by": " ".join(described_by),
            "many": len(bound_field.field.choices) > 6,
        }
    return {
        "field": bound_field,
        "widget_html": bound_field.as_widget(attrs=attrs),
        "is_check": isinstance(widget, forms.CheckboxInput),
        "required": required,
    }
