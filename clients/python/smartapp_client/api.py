"""The endpoints service and the installation URL, however a request is authorized."""

from urllib.parse import urlencode

from ._http import expect_ok, send


def with_query(url, query):
    if not query:
        return url
    return url + ("&" if "?" in url else "?") + urlencode(query)


class BearerToken(object):
    """A fixed access token, never refreshed (PlatformSession refreshes by itself)."""

    def __init__(self, access_token, http=None, timeout=None):
        self.access_token = access_token
        self.http = http
        self.timeout = timeout

    def request(self, method, url, what, json_body=None, form=None):
        return send(self.http, method, url, what, headers={"Authorization": "Bearer " + self.access_token}, json_body=json_body, form=form, timeout=self.timeout)


class InstallationClient(object):
    """Calls on one installation URL (``uri`` from the endpoints service); paths are the SmartApp's mappings."""

    def __init__(self, uri, auth):
        self.uri = uri
        self.auth = auth

    def get(self, path, query=None):
        return self.call("GET", path, query=query)

    def post(self, path, json_body=None, form=None):
        return self.call("POST", path, json_body=json_body, form=form)

    def put(self, path, json_body=None, form=None):
        return self.call("PUT", path, json_body=json_body, form=form)

    def delete(self, path):
        return self.call("DELETE", path)

    def uninstall(self):
        """DELETE on the installation URL itself: uninstalls; every token of it stops working."""
        self.call("DELETE", "")

    def openapi(self):
        return self.call("GET", "/openapi.json")

    def call(self, method, path, query=None, json_body=None, form=None):
        """Any method on ``{uri}{path}``: the reply's JSON (None for 204), or a typed error."""
        suffix = path if path == "" or path.startswith("/") else "/" + path
        what = "%s %s" % (method, suffix or "/")
        reply = self.auth.request(method, with_query(self.uri + suffix, query), what, json_body=json_body, form=form)
        return expect_ok(reply, what)


def endpoints_of(auth, api_base):
    """GET {api_base}/smartapps/endpoints: the one installation the credentials belong to."""
    what = "Asking for the endpoints"
    return expect_ok(auth.request("GET", api_base + "/smartapps/endpoints", what), what)


def installation_of(auth, api_base, uri=None):
    if uri:
        return InstallationClient(uri, auth)
    found = endpoints_of(auth, api_base)
    if not found:
        raise LookupError("the endpoints service named no installation for these credentials")
    return InstallationClient(found[0]["uri"], auth)
