"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py` (README, "Production").

gunicorn also reads ./gunicorn.conf.py by itself when started from the repository root.
The command line (-w, -b...) and GUNICORN_CMD_ARGS override the values below; gunicorn
reads FORWARDED_ALLOW_IPS from the environment itself.
"""

import gunicorn.http.wsgi

wsgi_app = "ecandidat.wsgi:application"
bind = "0.0.0.0:8000"
workers = 4


# No Server header: gunicorn sends "Server: gunicorn" on every response, which only helps
# someone looking for servers of a given software. Response.default_headers builds that line
# (gunicorn/http/wsgi.py); the config file runs in the master before the workers are forked,
# so they all inherit the change. A proxy in front must hide its own (nginx: server_tokens off
# only drops the version; a header filter removes the name too).
_default_headers = gunicorn.http.wsgi.Response.default_headers


def _default_headers_without_server(self):
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


gunicorn.http.wsgi.Response.default_headers = _default_headers_without_server
