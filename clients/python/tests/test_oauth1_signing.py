"""The Python SDK's OAuth 1.0a signer against RFC 5849's printed vectors and against oauthlib,
a library nobody here wrote (its client's signatures and its server-side verifier)."""

import unittest

from oauthlib.common import Request
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_TYPE_AUTH_HEADER, Client
from oauthlib.oauth1.rfc5849 import signature as oauthlib_signature

from smartapp_client import base_string_uri, normalize_parameters, percent_encode, sign_request

CONSUMER = ("dpf43f3p2l4k3l03", "kd94hf93k423kf44")


class RfcVectors(unittest.TestCase):
    def test_percent_encoding_section_3_6(self):
        self.assertEqual(percent_encode("Ladies + Gentlemen!*'()~._-"), "Ladies%20%2B%20Gentlemen%21%2A%27%28%29~._-")
        self.assertEqual(percent_encode("\u2603"), "%E2%98%83")

    def test_base_string_uri_section_3_4_1_2(self):
        self.assertEqual(base_string_uri("HTTP://EXAMPLE.COM:80/r%20v/X?id=123"), "http://example.com/r%20v/X")
        self.assertEqual(base_string_uri("https://www.example.net:8080/?q=1"), "https://www.example.net:8080/")

    def test_the_example_base_string_section_3_4_1_1(self):
        signed = sign_request(
            "POST",
            "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
            "9djdj82h48djs9d2",
            "unused",
            token="kkk9d7dh3k39sjv7",
            token_secret="unused",
            form=[("c2", ""), ("a3", "2 q")],
            nonce="7d8f3e4a",
            timestamp=137131201,
            version=None,
            realm="Example",
        )
        self.assertEqual(
            signed["base_string"],
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7",
        )
        self.assertTrue(signed["header"].startswith('OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2"'))

    def test_sorting_section_3_4_1_3_2(self):
        self.assertEqual(normalize_parameters([("b", "2"), ("a", "z"), ("a", "b"), ("a%", "1"), ("A", "x")]), "A=x&a=b&a=z&a%25=1&b=2")

    def test_the_three_signatures_of_section_1_2(self):
        initiate = sign_request("POST", "https://photos.example.net/initiate", *CONSUMER, nonce="wIjqoS", timestamp=137131200, version=None, params={"oauth_callback": "http://printer.example.com/ready"})
        self.assertEqual(initiate["signature"], "74KNZJeDHnMBp0EMJ9ZHt/XKycU=")
        token = sign_request("POST", "https://photos.example.net/token", *CONSUMER, token="hh5s93j4hdidpola", token_secret="hdhd0244k9j7ao03", nonce="walatlh", timestamp=137131201, version=None, params={"oauth_verifier": "hfdp7dh39dks9884"})
        self.assertEqual(token["signature"], "gKgrFCywp7rO0OXSjdot/IHF7IU=")
        photos = sign_request("GET", "http://photos.example.net/photos?file=vacation.jpg&size=original", *CONSUMER, token="nnch734d00sl2jdk", token_secret="pfkkdhi9sl3r4s00", nonce="chapoH", timestamp=137131202, version=None)
        self.assertEqual(photos["signature"], "MdpQcU8iPSUjWoN/UDMsK2sui9I=")


class AgainstOauthlib(unittest.TestCase):
    key, secret = "smart-consumer", "consumer secret/with+odd&chars"
    token, token_secret = "access-token-1", "token~secret=2"

    def oauthlib_client(self, nonce, timestamp, **extra):
        return Client(self.key, client_secret=self.secret, resource_owner_key=self.token, resource_owner_secret=self.token_secret, signature_method=SIGNATURE_HMAC_SHA1, signature_type=SIGNATURE_TYPE_AUTH_HEADER, nonce=nonce, timestamp=timestamp, **extra)

    def test_same_signature_as_oauthlib_for_a_query_and_a_form_body(self):
        cases = [
            ("GET", "http://localhost:3000/api/smartapps/installations/abc/switches?x=1&a=%C3%A9+b", None),
            ("PUT", "https://platform.example/api/smartapps/installations/abc/switches/d1/on", [("level", "50"), ("note", "a b&c=d")]),
        ]
        for method, url, form in cases:
            with self.subTest(method=method, url=url):
                body = None if form is None else "&".join("%s=%s" % (percent_encode(k), percent_encode(v)) for k, v in form)
                headers = None if form is None else {"Content-Type": "application/x-www-form-urlencoded"}
                _, theirs, _ = self.oauthlib_client("abcdef0123456789", "1750000000").sign(url, http_method=method, body=body, headers=headers)
                ours = sign_request(method, url, self.key, self.secret, token=self.token, token_secret=self.token_secret, form=form, nonce="abcdef0123456789", timestamp=1750000000)
                self.assertIn('oauth_signature="%s"' % percent_encode(ours["signature"]), theirs["Authorization"])

    def test_oauthlib_verifies_our_request_token_request_with_smart_record_id_in_the_header(self):
        url = "http://127.0.0.1:8080/oauth/request_token"
        ours = sign_request("POST", url, self.key, self.secret, params={"oauth_callback": "oob", "smart_record_id": "5f0c5a7e-9d2b-4c1e-8f4a-0c1d2e3f4a5b"})
        request = Request(url, http_method="POST", headers={"Authorization": ours["header"]})
        request.params = oauthlib_signature.collect_parameters(headers=request.headers, exclude_oauth_signature=False)
        request.signature = dict(request.params)["oauth_signature"]
        request.params = [(k, v) for k, v in request.params if k != "oauth_signature"]
        self.assertIn(("smart_record_id", "5f0c5a7e-9d2b-4c1e-8f4a-0c1d2e3f4a5b"), request.params)
        self.assertTrue(oauthlib_signature.verify_hmac_sha1(request, self.secret, None))
        request.params = [(k, "other" if k == "smart_record_id" else v) for k, v in request.params]
        self.assertFalse(oauthlib_signature.verify_hmac_sha1(request, self.secret, None))


if __name__ == "__main__":
    unittest.main()
