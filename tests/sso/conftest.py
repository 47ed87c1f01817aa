"""The sign-in tests; the identity-provider fixtures are in tests/sso/servers/ (imported by
the root conftest, so the browser tests have them too)."""
