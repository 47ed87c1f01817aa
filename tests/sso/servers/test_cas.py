"""The test CAS server speaks CAS 2.0 and 3.0 (checked with python-cas, as a client would):
attributes released, tickets single-use and bound to their service, single sign-out."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from cas import CASClient

from tests.sso.people import STAFF_MANAGER, STUDENT

from .common import free_port


def _client(cas_server, service, version):
    return CASClient(version=version, service_url=service, server_url=cas_server.url)


@pytest.mark.parametrize("version", [2, 3])
def test_a_ticket_validates_once_with_the_persons_attributes(cas_server, version):
    service = f"http://127.0.0.1:{free_port()}/accounts/cas/login/?next=%2F"
    ticket = cas_server.ticket_for(STUDENT, service)
    assert ticket.startswith("ST-")
    user, attributes, _ = _client(cas_server, service, version).verify_ticket(ticket)
    assert user == STUDENT.uid
    expected = {name: values[0] for name, values in STUDENT.attributes().items()}
    assert {name: attributes[name] for name in expected} == expected
    assert attributes["supannEtuId"] == "21900001" and attributes["supannCodeINE"]
    # Single use: the second validation fails.
    assert _client(cas_server, service, version).verify_ticket(ticket)[0] is None


def test_a_ticket_is_bound_to_its_service(cas_server):
    service = f"http://127.0.0.1:{free_port()}/accounts/cas/login/"
    ticket = cas_server.ticket_for(STAFF_MANAGER, service)
    other = f"http://127.0.0.1:{free_port()}/elsewhere/"
    assert _client(cas_server, other, 3).verify_ticket(ticket)[0] is None
    # Refused for the other service, and consumed all the same (as the protocol says).
    assert _client(cas_server, service, 3).verify_ticket(ticket)[0] is None


def test_an_unknown_service_gets_no_ticket(cas_server):
    with pytest.raises(AssertionError, match="403"):
        cas_server.ticket_for(STAFF_MANAGER, "https://evil.example/")


def test_logout_sends_a_single_sign_out_request_to_the_service(cas_server):
    received = []

    class Service(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            received.append((self.path, parse_qs(body)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Service)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        service = f"http://127.0.0.1:{server.server_port}/accounts/cas/login/"
        session, location = cas_server.sign_in(STAFF_MANAGER, service)
        ticket = location.rsplit("ticket=", 1)[1]
        assert _client(cas_server, service, 3).verify_ticket(ticket)[0] == STAFF_MANAGER.uid
        # Signed in already: a second ticket without the form (never validated).
        second = cas_server.sign_in(STAFF_MANAGER, service)[1].rsplit("ticket=", 1)[1]
        assert cas_server.logout(STAFF_MANAGER).status_code == 302
    finally:
        server.shutdown()
        server.server_close()
    # One logoutRequest per ticket issued in the session, naming it as its SessionIndex.
    assert [path for path, _ in received] == ["/accounts/cas/login/"] * 2
    requests_sent = [form["logoutRequest"][0] for _, form in received]
    assert all("samlp:LogoutRequest" in request for request in requests_sent)
    for issued in (ticket, second):
        assert sum(f"<samlp:SessionIndex>{issued}<" in r for r in requests_sent) == 1
    # The single sign-on session is over: the login form again.
    page = session.get(cas_server.login_url, params={"service": service}, allow_redirects=False)
    assert page.status_code == 200 and 'name="password"' in page.text
