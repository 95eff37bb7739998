"""The SMART-container door: the manifest, the launch parameters, the OAuth 1.0a dance
(request token, the person authorizes, access token) and signed REST calls (docs/smart-sdk.md)."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ._http import expect_ok, send
from .api import endpoints_of, installation_of
from .errors import CallbackError, PlatformError
from .oauth1 import sign_request


def _params_of(query):
    if isinstance(query, dict):
        return query
    if "?" in query:
        query = urlsplit(query).query
    return dict(parse_qsl(query, keep_blank_values=True))


def _field(body, name):
    value = body.get(name) if isinstance(body, dict) else None
    if not isinstance(value, str):
        raise PlatformError(200, body, "the platform's reply has no " + name)
    return value


def parse_launch(query):
    """(record_id, api_base) from the query the launch page sent the browser to the app with."""
    params = _params_of(query)
    if not params.get("record_id") or not params.get("api_base"):
        raise CallbackError("the launch carries no record_id and api_base")
    return params["record_id"], params["api_base"]


class SmartClient(object):
    def __init__(self, platform_url, consumer_key, consumer_secret, http=None, timeout=None):
        self.platform_url = platform_url.rstrip("/")
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.http = http
        self.timeout = timeout
        self._manifest = None

    def manifest(self):
        """GET {BASE_URL}/api/manifest (read once)."""
        if self._manifest is None:
            what = "Reading the manifest"
            self._manifest = expect_ok(send(self.http, "GET", self.platform_url + "/api/manifest", what, timeout=self.timeout), what)
        return self._manifest

    def request_token(self, record_id, callback="oob"):
        """{"token", "token_secret", "callback_confirmed"} for the record (location) the app was launched on."""
        url = self.manifest()["launch_urls"]["request_token_url"]
        body = self._signed_post(url, None, None, {"oauth_callback": callback, "smart_record_id": record_id}, "Asking for a request token")
        return {"token": _field(body, "oauth_token"), "token_secret": _field(body, "oauth_token_secret"), "callback_confirmed": body.get("oauth_callback_confirmed") == "true"}

    def authorize_url(self, request_token):
        parts = urlsplit(self.manifest()["launch_urls"]["authorize_token_url"])
        query = parse_qsl(parts.query) + [("oauth_token", request_token)]
        return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))

    def parse_callback(self, query, request_token):
        """The verifier; CallbackError when the person chose Deny or the callback is not for this token."""
        params = _params_of(query)
        if "denied" in params:
            raise CallbackError("the person denied the authorization")
        if params.get("oauth_token") != request_token or not params.get("oauth_verifier"):
            raise CallbackError("the callback does not carry this request token and a verifier")
        return params["oauth_verifier"]

    def access_token(self, request_token, verifier):
        """{"token", "token_secret", "record_id", "user_id"}: the installation's access token."""
        url = self.manifest()["launch_urls"]["exchange_token_url"]
        body = self._signed_post(url, request_token["token"], request_token["token_secret"], {"oauth_verifier": verifier}, "Exchanging the request token")
        return {"token": _field(body, "oauth_token"), "token_secret": _field(body, "oauth_token_secret"), "record_id": _field(body, "record_id"), "user_id": _field(body, "user_id")}

    def session(self, access, api_base=None):
        """Signed REST calls with an access token ({"token", "token_secret"})."""
        return SignedSession(self.consumer_key, self.consumer_secret, access["token"], access["token_secret"], api_base or self.platform_url + "/api", self.http, self.timeout)

    def _signed_post(self, url, token, token_secret, params, what):
        signed = sign_request("POST", url, self.consumer_key, self.consumer_secret, token=token, token_secret=token_secret, params=params)
        return expect_ok(send(self.http, "POST", url, what, headers={"Authorization": signed["header"]}, timeout=self.timeout), what)


class SignedSession(object):
    """Every request signed with the access token (query and form parameters in the base string)."""

    def __init__(self, consumer_key, consumer_secret, token, token_secret, api_base, http=None, timeout=None):
        self.credentials = (consumer_key, consumer_secret, token, token_secret)
        self.api_base = api_base
        self.http = http
        self.timeout = timeout

    def request(self, method, url, what, json_body=None, form=None):
        key, secret, token, token_secret = self.credentials
        signed = sign_request(method, url, key, secret, token=token, token_secret=token_secret, form=form)
        return send(self.http, method, url, what, headers={"Authorization": signed["header"]}, json_body=json_body, form=form, timeout=self.timeout)

    def endpoints(self):
        return endpoints_of(self, self.api_base)

    def installation(self, uri=None):
        return installation_of(self, self.api_base, uri)
