"""The university's LDAP directory, read-only: who the university's people are.

The central office picks a new staff member from it instead of typing them, and reviews
the staff accounts whose entry has left it. ``lookup`` holds the API (``search``,
``find``, ``present``, ``DirectoryPerson``, ``DirectoryUnavailable``); settings are the
``LDAP_*`` block of settings.py, described in docs/directory.md. Imports nothing of the
project but ``ecandidat.common``.
"""
