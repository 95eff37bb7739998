"""Client SDK for SmartApp Platform (standard library + requests).

OAuth 2.0 connect with PKCE and state, automatic refresh with rotation, endpoints discovery,
installation URL calls, Standard Webhooks verification, and OAuth 1.0a (HMAC-SHA1) signing for
SMART-container apps. docs/smart-sdk.md walks through each.
"""

from .api import BearerToken, InstallationClient, endpoints_of
from .errors import CallbackError, InstallationError, OAuthError, PlatformError, RateLimitError, error_from, retry_after_seconds
from .oauth1 import authorization_header, base_string_uri, hmac_sha1_signature, normalize_parameters, percent_encode, sign_request, signature_base_string
from .oauth2 import PlatformSession, SmartAppClient, TokenSet
from .pkce import new_pkce_pair, new_state, s256
from .smart import SignedSession, SmartClient, parse_launch
from .webhooks import WebhookVerificationError, WebhookVerifier, webhook_key

__version__ = "0.1.0"

__all__ = [
    "BearerToken",
    "CallbackError",
    "InstallationClient",
    "InstallationError",
    "OAuthError",
    "PlatformError",
    "PlatformSession",
    "RateLimitError",
    "SignedSession",
    "SmartAppClient",
    "SmartClient",
    "TokenSet",
    "WebhookVerificationError",
    "WebhookVerifier",
    "authorization_header",
    "base_string_uri",
    "endpoints_of",
    "error_from",
    "hmac_sha1_signature",
    "new_pkce_pair",
    "new_state",
    "normalize_parameters",
    "parse_launch",
    "percent_encode",
    "retry_after_seconds",
    "s256",
    "sign_request",
    "signature_base_string",
    "webhook_key",
]
