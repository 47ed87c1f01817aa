"""The identity providers the sign-in tests talk to: real server processes on 127.0.0.1,
started once per pytest(-xdist) worker by the session fixtures of fixtures.py
(``cas_server``, ``oidc_provider``, ``saml_idp``), each on a free port with a temporary
directory of its own. cas.py, oidc.py and saml.py hold the handles the fixtures yield;
cas_project/, oidc_project/ and saml_server.py are what runs in the processes."""
