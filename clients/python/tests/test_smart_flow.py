"""A SMART app written with the Python SDK walks manifest, launch, request token, authorize,
access token and signed calls against the real platform; oauthlib (nobody here wrote it) signs a
call the platform must accept the same way. Skipped while GET /api/manifest answers 404."""

import unittest

import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_TYPE_AUTH_HEADER, Client

from smartapp_client import CallbackError, InstallationError, OAuthError, PlatformError, SmartClient, parse_launch

from .platform import BASE_URL, DEVELOPER_TOKEN, Browser, needs_platform, option_value

CALLBACK = "http://127.0.0.1:4400/smart/callback"
INDEX = "http://127.0.0.1:4400/smart/index.html"
SOURCE = """export default {
  definition: { name: 'Python SMART App', namespace: 'sdk', author: 'Tests', description: 'The Python SDK tests' },
  preferences: [{ section: 'Devices', inputs: [{ name: 'switches', type: 'capability.switch', title: 'Switches', multiple: true, required: false }] }],
  mappings: { '/switches': { GET: 'listSwitches', POST: 'listSwitches' } },
  handlers: {
    listSwitches(ctx) { return ctx.settings.switches.map((d) => ({ id: d.id, name: d.label, value: d.currentValue('switch') })) },
  },
}
"""


@needs_platform
class SmartFlow(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if requests.get(BASE_URL + "/api/manifest", timeout=10).status_code == 404:
            raise unittest.SkipTest("GET /api/manifest answers 404: the platform has no SMART OAuth 1.0a side yet")
        developer = {"Authorization": "Bearer " + DEVELOPER_TOKEN}
        published = requests.post(BASE_URL + "/api/developer/smartapps", json={"source": SOURCE}, headers=developer, timeout=10)
        published.raise_for_status()
        enabled = requests.put(
            "%s/api/developer/smartapps/%s/oauth" % (BASE_URL, published.json()["id"]),
            json={"redirect_uris": ["http://127.0.0.1:4400/oauth2/callback"], "oauth1": {"callback_url": CALLBACK, "index_url": INDEX}},
            headers=developer,
            timeout=10,
        )
        enabled.raise_for_status()
        cls.consumer = (enabled.json()["consumer_key"], enabled.json()["consumer_secret"])
        cls.smart = SmartClient(BASE_URL, *cls.consumer)
        cls.person = Browser()

    def launch(self):
        status, url, page = self.person.open("%s/apps/%s/launch" % (BASE_URL, self.consumer[0]))
        self.assertEqual(status, 200)
        res = self.person.submit(url, page, [("location_id", option_value(page, "Home"))], marker='name="location_id"')
        self.assertTrue(res.headers["Location"].startswith(INDEX + "?"))
        return parse_launch(res.headers["Location"])

    def authorize(self, request_token, decision="allow"):
        return self.person.consent(self.smart.authorize_url(request_token["token"]), "Home", "Kitchen Light", decision)

    def test_the_whole_walk_and_signed_calls(self):
        manifest = self.smart.manifest()
        self.assertEqual(manifest["api_base"], BASE_URL + "/api")
        record_id, api_base = self.launch()
        self.assertEqual(api_base, manifest["api_base"])
        request_token = self.smart.request_token(record_id)
        self.assertTrue(request_token["callback_confirmed"])
        callback = self.authorize(request_token)
        self.assertTrue(callback.startswith(CALLBACK + "?"))
        access = self.smart.access_token(request_token, self.smart.parse_callback(callback, request_token["token"]))
        self.assertEqual(access["record_id"], record_id)

        session = self.smart.session(access, api_base)
        endpoint = session.endpoints()[0]
        self.assertEqual((endpoint["location"]["id"], endpoint["location"]["name"]), (record_id, "Home"))
        installation = session.installation()
        self.assertEqual([s["name"] for s in installation.get("/switches", query={"note": "a b+c/d"})], ["Kitchen Light"])
        self.assertEqual(len(installation.post("/switches", form={"note": "x y", "n": "1"})), 1)

        # oauthlib signs the same call with the same access token: the platform takes it
        oauthlib_client = Client(self.consumer[0], client_secret=self.consumer[1], resource_owner_key=access["token"], resource_owner_secret=access["token_secret"], signature_method=SIGNATURE_HMAC_SHA1, signature_type=SIGNATURE_TYPE_AUTH_HEADER)
        uri, headers, _ = oauthlib_client.sign(installation.uri + "/switches?from=oauthlib", http_method="GET")
        theirs = requests.get(uri, headers=headers, timeout=10)
        self.assertEqual(theirs.status_code, 200)
        self.assertEqual([s["name"] for s in theirs.json()], ["Kitchen Light"])
        # replaying oauthlib's exact request (same nonce) is refused
        self.assertEqual(requests.get(uri, headers=headers, timeout=10).status_code, 401)

        with self.assertRaises(PlatformError) as reused:
            self.smart.access_token(request_token, "any-verifier")
        self.assertEqual(reused.exception.status, 403)
        with self.assertRaises(OAuthError) as forged:
            self.smart.session(dict(access, token_secret="not-the-secret"), api_base).endpoints()
        self.assertEqual((forged.exception.status, forged.exception.error), (401, "invalid_token"))

        second = self.smart.request_token(record_id)
        other = self.smart.access_token(second, self.smart.parse_callback(self.authorize(second), second["token"]))
        with self.assertRaises(InstallationError) as foreign:
            self.smart.session(other, api_base).installation(installation.uri).get("/switches")
        self.assertEqual((foreign.exception.status, foreign.exception.type), (403, "AccessDenied"))

    def test_deny_and_bad_requests_are_refused(self):
        record_id, _ = self.launch()
        request_token = self.smart.request_token(record_id)
        callback = self.authorize(request_token, decision="deny")
        with self.assertRaises(CallbackError):
            self.smart.parse_callback(callback, request_token["token"])
        with self.assertRaises(PlatformError) as refused:
            self.smart.access_token(request_token, "guessed")
        self.assertEqual(refused.exception.status, 403)
        with self.assertRaises(PlatformError) as wrong:
            SmartClient(BASE_URL, self.consumer[0], "not-the-secret").request_token(record_id)
        self.assertEqual(wrong.exception.status, 403)


if __name__ == "__main__":
    unittest.main()
