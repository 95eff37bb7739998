"""Standard Webhooks verification, with signatures made as the spec (and the platform) makes them."""

import base64
import hashlib
import hmac
import json
import time
import unittest

from smartapp_client import WebhookVerificationError, WebhookVerifier

KEY = b"sdk-webhook-key-of-32-bytes-long"
SECRET = "whsec_" + base64.b64encode(KEY).decode()
BODY = json.dumps({"installationId": "i-1", "evt": {"name": "switch", "value": "on"}})


def signed(keys, at, msg_id="msg_1", body=BODY):
    sigs = ["v1," + base64.b64encode(hmac.new(k, ("%s.%d.%s" % (msg_id, at, body)).encode(), hashlib.sha256).digest()).decode() for k in keys]
    return {"webhook-id": msg_id, "webhook-timestamp": str(at), "webhook-signature": " ".join(sigs)}


class Webhooks(unittest.TestCase):
    now = int(time.time())

    def test_accepts_the_signature_with_either_secret_of_a_rotation(self):
        verifier = WebhookVerifier(SECRET)
        self.assertEqual(verifier.verify(signed([KEY], self.now), BODY, now=self.now), {"id": "msg_1", "timestamp": self.now, "payload": json.loads(BODY)})
        self.assertEqual(verifier.verify(signed([b"the-next-key", KEY], self.now), BODY.encode(), now=self.now)["id"], "msg_1")
        # header names in any case, as web frameworks hand them over
        self.assertEqual(verifier.verify({k.title(): v for k, v in signed([KEY], self.now).items()}, BODY, now=self.now)["id"], "msg_1")

    def test_a_plain_text_secret_is_its_bytes(self):
        self.assertEqual(WebhookVerifier("plain-text-secret").verify(signed([b"plain-text-secret"], self.now), BODY, now=self.now)["id"], "msg_1")

    def test_refuses_another_key_a_changed_body_or_id_a_stale_timestamp_missing_headers(self):
        verifier = WebhookVerifier(SECRET)
        refused = [
            (signed([b"another-key"], self.now), BODY),
            (signed([KEY], self.now), BODY.replace("on", "of")),
            (dict(signed([KEY], self.now), **{"webhook-id": "msg_2"}), BODY),
            (signed([KEY], self.now - 301), BODY),
            (signed([KEY], self.now + 301), BODY),
            ({"webhook-id": "msg_1", "webhook-timestamp": str(self.now)}, BODY),
        ]
        for headers, body in refused:
            with self.subTest(headers=headers):
                with self.assertRaises(WebhookVerificationError):
                    verifier.verify(headers, body, now=self.now)


if __name__ == "__main__":
    unittest.main()
