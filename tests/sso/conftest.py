"""The identity providers and the directory the sign-in tests talk to: real processes on
127.0.0.1 (see tests/sso/servers/)."""

from tests.sso.servers.fixtures import *  # noqa: F403
