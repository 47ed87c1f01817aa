"""The bottom of the layer contract: what every app of the project may import.

``errors.DomainError`` (the base of every refusal a service raises, with the translated text
the user is shown), ``i18n`` (a label in the active language) and ``text`` (NUL stripping).
Nothing here imports another ``ecandidat`` package.
"""
