"""RFC 7636: the verifier stays with the client; only its S256 hash travels."""

import base64
import hashlib
import secrets


def _b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def s256(verifier):
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def new_pkce_pair():
    """(verifier, challenge)"""
    verifier = _b64url(secrets.token_bytes(32))
    return verifier, s256(verifier)


def new_state():
    """The ``state`` that ties a callback to the browser that started the flow."""
    return _b64url(secrets.token_bytes(24))
