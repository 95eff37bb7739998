"""Standard Webhooks 1.0 (docs/events.md): ``webhook-signature`` holds ``v1,<base64 HMAC-SHA256 of
"id.timestamp.body">`` per secret the platform signs with; the timestamp must be within the
tolerance. Verified over the raw bytes received."""

import base64
import hashlib
import hmac
import json
import time

PREFIX = "whsec_"


class WebhookVerificationError(Exception):
    pass


def webhook_key(secret):
    """``whsec_<base64>`` as the platform hands it out, else the text's bytes."""
    if secret.startswith(PREFIX):
        return base64.b64decode(secret[len(PREFIX):])
    return secret.encode("utf-8")


def _header(headers, name):
    for key, value in headers.items():
        if key.lower() == name:
            return value or None
    return None


class WebhookVerifier(object):
    def __init__(self, secret, tolerance_seconds=300):
        secrets_ = secret if isinstance(secret, (list, tuple)) else [secret]
        self.keys = [webhook_key(s) for s in secrets_]
        self.tolerance_seconds = tolerance_seconds

    def verify(self, headers, raw_body, now=None):
        """{"id", "timestamp", "payload"} (payload None when the body is not JSON), or WebhookVerificationError."""
        msg_id = _header(headers, "webhook-id")
        timestamp = _header(headers, "webhook-timestamp")
        signatures = _header(headers, "webhook-signature")
        if not msg_id or not timestamp or not signatures:
            raise WebhookVerificationError("the request is not signed (webhook-id, webhook-timestamp and webhook-signature are required)")
        if not timestamp.isdigit():
            raise WebhookVerificationError("webhook-timestamp is not a number of seconds")
        now = int(time.time()) if now is None else now
        if abs(now - int(timestamp)) > self.tolerance_seconds:
            raise WebhookVerificationError("the timestamp is more than %d seconds off" % self.tolerance_seconds)
        body = raw_body.encode("utf-8") if isinstance(raw_body, str) else bytes(raw_body)
        signed = ("%s.%s." % (msg_id, timestamp)).encode("utf-8") + body
        offered = []
        for part in signatures.split(" "):
            if part.startswith("v1,"):
                try:
                    offered.append(base64.b64decode(part[3:]))
                except ValueError:
                    continue
        for key in self.keys:
            expected = hmac.new(key, signed, hashlib.sha256).digest()
            if any(hmac.compare_digest(expected, sig) for sig in offered):
                return {"id": msg_id, "timestamp": int(timestamp), "payload": _parsed(body)}
        raise WebhookVerificationError("no signature matches")


def _parsed(body):
    try:
        return json.loads(body.decode("utf-8"))
    except ValueError:
        return None
