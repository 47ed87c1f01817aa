"""Text from outside (a request, a typed login) before it reaches the database."""

NUL = "\x00"


def without_nul(value) -> str:
    """``value`` as text without the NUL bytes PostgreSQL cannot store (it raises on one in
    any text it is sent; a browser never sends one from a text field)."""
    return str(value or "").replace(NUL, "")
