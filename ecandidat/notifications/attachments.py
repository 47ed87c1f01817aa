"""Attachments generated when an email is sent (so the outbox row stays small).

Apps register a builder for a prefix: ``register("letter", build)``; an outbox row whose
``attachment`` is ``"letter:42"`` gets ``build("42")`` → (file name, bytes, MIME type).
"""

BUILDERS = {}


def register(prefix: str, builder) -> None:
    BUILDERS[prefix] = builder


def build(reference: str):
    prefix, _sep, key = reference.partition(":")
    builder = BUILDERS.get(prefix)
    return builder(key) if builder else None
