"""The Python SDK against the real platform (started by test/e2e/sdk-python.e2e-spec.ts):
connect, refresh, endpoints, installation calls and the typed errors of the contract's bodies."""

import threading
import time
import unittest
from urllib.parse import parse_qs, urlsplit

from smartapp_client import (
    BearerToken,
    CallbackError,
    InstallationClient,
    InstallationError,
    OAuthError,
    PlatformSession,
    RateLimitError,
    SmartAppClient,
)

from .platform import BASE_URL, DEMO_CLIENT, Browser, needs_platform


@needs_platform
class PlatformTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.person = Browser()
        cls.client = SmartAppClient(BASE_URL, DEMO_CLIENT["client_id"], DEMO_CLIENT["redirect_uri"], client_secret=DEMO_CLIENT["client_secret"])

    def connect(self, location="Home", device="Kitchen Light"):
        url, pending = self.client.authorization_request()
        return self.client.handle_callback(self.person.consent(url, location, device), pending)

    def test_connects_with_pkce_s256_and_state(self):
        url, pending = self.client.authorization_request()
        query = parse_qs(urlsplit(url).query)
        self.assertTrue(url.startswith(BASE_URL + "/oauth/authorize?"))
        self.assertEqual(query["code_challenge_method"], ["S256"])
        self.assertEqual(query["state"], [pending["state"]])
        tokens = self.client.handle_callback(self.person.consent(url, "Home", "Kitchen Light"), pending)
        self.assertGreater(len(tokens.access_token), 20)
        self.assertTrue(tokens.refresh_token)
        self.assertIn("offline_access", tokens.scope)
        self.assertGreater(tokens.expires_at, time.time())

    def test_refuses_another_state_and_turns_deny_into_access_denied(self):
        url, pending = self.client.authorization_request()
        redirect = self.person.consent(url, "Home", "Kitchen Light", decision="deny")
        with self.assertRaises(CallbackError):
            self.client.handle_callback(redirect, dict(pending, state="another"))
        with self.assertRaises(OAuthError) as denied:
            self.client.handle_callback(redirect, pending)
        self.assertEqual(denied.exception.error, "access_denied")

    def test_a_reused_code_is_invalid_grant_and_a_wrong_secret_invalid_client(self):
        url, pending = self.client.authorization_request()
        code = parse_qs(urlsplit(self.person.consent(url, "Home", "Kitchen Light")).query)["code"][0]
        self.client.exchange_code(code, pending["code_verifier"])
        with self.assertRaises(OAuthError) as again:
            self.client.exchange_code(code, pending["code_verifier"])
        self.assertEqual((again.exception.status, again.exception.error), (400, "invalid_grant"))
        wrong = SmartAppClient(BASE_URL, DEMO_CLIENT["client_id"], DEMO_CLIENT["redirect_uri"], client_secret="not-the-secret")
        with self.assertRaises(OAuthError) as refused:
            wrong.refresh("whatever")
        self.assertEqual((refused.exception.status, refused.exception.error), (401, "invalid_client"))

    def test_endpoints_and_installation_calls(self):
        session = PlatformSession(self.client, self.connect())
        endpoint = session.endpoints()[0]
        self.assertEqual(endpoint["location"]["name"], "Home")
        self.assertEqual(endpoint["uri"], "%s/api/smartapps/installations/%s" % (BASE_URL, session.tokens.installation_id))
        installation = session.installation()
        switches = installation.get("/switches")
        self.assertEqual([s["name"] for s in switches], ["Kitchen Light"])
        turned = installation.put("/switches/%s/on" % switches[0]["id"])
        self.assertEqual((turned["name"], turned["value"]), ("Kitchen Light", "on"))
        self.assertTrue(installation.openapi()["openapi"].startswith("3."))

    def test_one_refresh_for_many_threads_and_the_refresh_token_rotates(self):
        first = self.connect()
        seen = []
        session = PlatformSession(self.client, first.replace(expires_at=time.time() - 1), on_tokens=seen.append)
        installation = session.installation("%s/api/smartapps/installations/%s" % (BASE_URL, first.installation_id))
        results, errors = [], []

        def call():
            try:
                results.append(installation.get("/switches"))
            except Exception as err:  # collected and asserted below
                errors.append(err)

        threads = [threading.Thread(target=call) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        self.assertEqual([len(r) for r in results], [1] * 5)
        self.assertEqual(len(seen), 1)
        self.assertNotEqual(session.tokens.refresh_token, first.refresh_token)
        with self.assertRaises(OAuthError) as spent:
            self.client.refresh(first.refresh_token)
        self.assertEqual(spent.exception.error, "invalid_grant")

    def test_a_401_is_retried_once_after_a_refresh(self):
        tokens = self.connect()
        seen = []
        session = PlatformSession(self.client, tokens.replace(access_token="revoked-or-unknown"), on_tokens=seen.append)
        uri = "%s/api/smartapps/installations/%s" % (BASE_URL, tokens.installation_id)
        self.assertEqual(len(session.installation(uri).get("/switches")), 1)
        self.assertEqual(len(seen), 1)
        bare = PlatformSession(self.client, tokens.replace(access_token="nope", refresh_token=None))
        with self.assertRaises(OAuthError) as refused:
            bare.installation(uri).get("/switches")
        self.assertEqual((refused.exception.status, refused.exception.error), (401, "invalid_token"))

    def test_typed_installation_errors_404_403_and_429(self):
        home = PlatformSession(self.client, self.connect())
        cabin = PlatformSession(self.client, self.connect("Cabin", "Cabin Light"))
        with self.assertRaises(InstallationError) as missing:
            home.installation().get("/nothing-here")
        self.assertEqual((missing.exception.status, missing.exception.type), (404, "SmartAppException"))
        with self.assertRaises(InstallationError) as foreign:
            cabin.installation(home.installation().uri).get("/switches")
        self.assertEqual((foreign.exception.status, foreign.exception.type), (403, "AccessDenied"))
        installation = cabin.installation()
        with self.assertRaises(RateLimitError) as limited:
            for _ in range(20):
                installation.get("/switches")
        self.assertGreater(limited.exception.retry_after_seconds, 0)
        self.assertEqual(limited.exception.body["type"], "RateLimit")

    def test_uninstall_ends_the_tokens(self):
        tokens = self.connect()
        session = PlatformSession(self.client, tokens)
        installation = session.installation()
        installation.uninstall()
        with self.assertRaises(OAuthError) as after:
            session.endpoints()
        self.assertEqual((after.exception.status, after.exception.error), (401, "invalid_token"))
        with self.assertRaises(OAuthError):
            self.client.refresh(tokens.refresh_token)
        with self.assertRaises(OAuthError):
            InstallationClient(installation.uri, BearerToken(tokens.access_token)).get("/switches")


if __name__ == "__main__":
    unittest.main()
