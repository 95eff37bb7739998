"""OAuth 1.0a request signing, HMAC-SHA1, header form (RFC 5849; section numbers are its)."""

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import parse_qsl, quote, urlsplit


def percent_encode(value):
    """Section 3.6: every octet but the unreserved characters, in UTF-8."""
    return quote(value.encode("utf-8"), safe="~")


def base_string_uri(url):
    """Section 3.4.1.2: lower-case scheme and host, the port only when not the default, no query."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = "[%s]" % host
    port = parts.port
    if port is not None and not (scheme == "http" and port == 80) and not (scheme == "https" and port == 443):
        host = "%s:%d" % (host, port)
    return "%s://%s%s" % (scheme, host, parts.path or "/")


def query_parameters(url):
    """Section 3.4.1.3.1: the query's parameters, decoded as a form (``+`` is a space)."""
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def normalize_parameters(params):
    """Section 3.4.1.3.2: encoded, sorted by name then value, joined with ``=`` and ``&``."""
    encoded = sorted((percent_encode(k), percent_encode(v)) for k, v in params)
    return "&".join("%s=%s" % pair for pair in encoded)


def signature_base_string(method, url, params):
    """Section 3.4.1."""
    return "&".join(percent_encode(p) for p in (method.upper(), base_string_uri(url), normalize_parameters(params)))


def hmac_sha1_signature(base_string, consumer_secret, token_secret=""):
    """Section 3.4.2."""
    key = "%s&%s" % (percent_encode(consumer_secret), percent_encode(token_secret or ""))
    return base64.b64encode(hmac.new(key.encode("utf-8"), base_string.encode("utf-8"), hashlib.sha1).digest()).decode("ascii")


def authorization_header(params, realm=None):
    """Section 3.5.1."""
    parts = ['%s="%s"' % (percent_encode(k), percent_encode(v)) for k, v in params]
    prefix = 'realm="%s", ' % realm.replace('"', "") if realm is not None else ""
    return "OAuth " + prefix + ", ".join(parts)


def new_nonce():
    return secrets.token_hex(16)


def sign_request(method, url, consumer_key, consumer_secret, token=None, token_secret=None, form=None, params=None, nonce=None, timestamp=None, realm=None, version="1.0"):
    """Signs one request: a dict with ``header``, ``params``, ``base_string``, ``signature``.

    ``form``: the urlencoded body's pairs (signed); ``params``: more header parameters, signed too
    (oauth_callback, oauth_verifier, smart_record_id); ``version=None`` leaves oauth_version out.
    """
    protocol = [
        ("oauth_consumer_key", consumer_key),
        ("oauth_nonce", nonce or new_nonce()),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", str(int(time.time()) if timestamp is None else timestamp)),
    ]
    if token is not None:
        protocol.append(("oauth_token", token))
    if version is not None:
        protocol.append(("oauth_version", version))
    protocol.extend((params or {}).items())
    form_pairs = list(form.items()) if isinstance(form, dict) else list(form or [])
    base = signature_base_string(method, url, query_parameters(url) + protocol + form_pairs)
    signature = hmac_sha1_signature(base, consumer_secret, token_secret or "")
    signed = protocol + [("oauth_signature", signature)]
    return {"header": authorization_header(signed, realm), "params": signed, "base_string": base, "signature": signature}
