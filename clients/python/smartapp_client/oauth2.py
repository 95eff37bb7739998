"""The OAuth 2.0 side: the authorization request (PKCE S256 + state), the callback, the code
exchange, and a session whose tokens refresh themselves (docs/oauth.md)."""

import base64
import threading
import time
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from ._http import expect_ok, send
from .api import BearerToken, endpoints_of, installation_of
from .errors import CallbackError, OAuthError
from .pkce import new_pkce_pair, new_state


class TokenSet(object):
    """Tokens as the SDK keeps them; persist them to resume a session later."""

    def __init__(self, access_token, refresh_token, expires_at, scope, installation_id):
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.expires_at = expires_at  # Unix seconds
        self.scope = scope
        self.installation_id = installation_id

    @classmethod
    def from_reply(cls, reply, previous=None, now=None):
        refresh = reply.get("refresh_token") or (previous.refresh_token if previous else None)
        return cls(reply["access_token"], refresh, (time.time() if now is None else now) + reply["expires_in"], reply.get("scope", ""), reply["installation_id"])

    def replace(self, **changes):
        values = dict(vars(self))
        values.update(changes)
        return TokenSet(**values)


def _params_of(query):
    if isinstance(query, dict):
        return {k: v for k, v in query.items() if isinstance(v, str)}
    if "?" in query:
        query = urlsplit(query).query
    return dict(parse_qsl(query, keep_blank_values=True))


class SmartAppClient(object):
    def __init__(self, platform_url, client_id, redirect_uri, client_secret=None, scope="app offline_access", http=None, timeout=None):
        self.platform_url = platform_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.scope = scope
        self.http = http
        self.timeout = timeout

    def authorization_request(self, **extra):
        """(url, pending): send the browser to ``url``; keep ``pending`` (server-side) for the callback."""
        verifier, challenge = new_pkce_pair()
        state = new_state()
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        query.update(extra)
        return self.platform_url + "/oauth/authorize?" + urlencode(query), {"state": state, "code_verifier": verifier}

    def handle_callback(self, query, pending):
        """Checks ``state`` (CallbackError), turns ``error=`` into OAuthError, exchanges the code: a TokenSet."""
        params = _params_of(query)
        if not pending or params.get("state") != pending["state"]:
            raise CallbackError("the callback does not belong to an authorization started here (the state does not match)")
        if params.get("error"):
            raise OAuthError(400, params, params["error"], params.get("error_description"), "Authorization")
        if not params.get("code"):
            raise CallbackError("the callback carries no authorization code")
        return TokenSet.from_reply(self.exchange_code(params["code"], pending["code_verifier"]))

    def exchange_code(self, code, code_verifier):
        return self._token({"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri, "code_verifier": code_verifier}, "Exchanging the code")

    def refresh(self, refresh_token):
        """One refresh_token grant; the reply carries a new refresh token: the old one is spent."""
        return self._token({"grant_type": "refresh_token", "refresh_token": refresh_token}, "Refreshing the token")

    def _token(self, form, what):
        headers = {}
        if self.client_secret:
            pair = "%s:%s" % (quote(self.client_id, safe=""), quote(self.client_secret, safe=""))
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
        else:
            form = dict(form, client_id=self.client_id)
        reply = send(self.http, "POST", self.platform_url + "/oauth/token", what, headers=headers, form=form, timeout=self.timeout)
        return expect_ok(reply, what)


class PlatformSession(object):
    """Tokens that refresh themselves. Refresh tokens rotate and a spent one presented again ends
    the whole family, so however many threads find the token expired, one grant is sent."""

    def __init__(self, client, tokens, on_tokens=None, refresh_skew=60):
        self.client = client
        self.tokens = tokens
        self.on_tokens = on_tokens
        self.refresh_skew = refresh_skew
        self._lock = threading.Lock()

    def access_token(self):
        """A valid access token, refreshed first when it is about to expire."""
        current = self.tokens
        if current.refresh_token and current.expires_at - self.refresh_skew <= time.time():
            return self.refresh(current.access_token).access_token
        return current.access_token

    def refresh(self, stale_access_token=None):
        """Refreshes now; a thread that waited while another refreshed takes that result instead."""
        with self._lock:
            current = self.tokens
            if stale_access_token is not None and current.access_token != stale_access_token:
                return current
            if not current.refresh_token:
                raise ValueError("these tokens have no refresh token (ask for the offline_access scope)")
            fresh = TokenSet.from_reply(self.client.refresh(current.refresh_token), current)
            self.tokens = fresh
            if self.on_tokens:
                self.on_tokens(fresh)
            return fresh

    def request(self, method, url, what, json_body=None, form=None):
        """With the bearer token; a 401 is retried once after a refresh."""
        token = self.access_token()
        reply = BearerToken(token, self.client.http, self.client.timeout).request(method, url, what, json_body=json_body, form=form)
        if reply.status != 401 or not self.tokens.refresh_token:
            return reply
        try:
            fresh = self.refresh(token).access_token
        except OAuthError:
            # the refresh token is dead too (uninstalled, revoked): the call's own 401 is the answer
            return reply
        return BearerToken(fresh, self.client.http, self.client.timeout).request(method, url, what, json_body=json_body, form=form)

    def endpoints(self):
        return endpoints_of(self, self.client.platform_url + "/api")

    def installation(self, uri=None):
        return installation_of(self, self.client.platform_url + "/api", uri)
