"""What the tests need of the running platform: its URL from the environment (set by
test/e2e/sdk-python.e2e-spec.ts), and a person's browser answering the consent pages."""

import html
import os
import re
import unittest
from urllib.parse import urljoin

import requests

BASE_URL = os.environ.get("SMARTAPP_BASE_URL", "").rstrip("/")
DEMO_USER = ("demo@example.com", "demo-password")
DEMO_CLIENT = {"client_id": "device-bridge", "client_secret": "device-bridge-secret", "redirect_uri": "http://localhost:3001/callback"}
DEVELOPER_TOKEN = "demo-developer-token"


def needs_platform(cls):
    return unittest.skipUnless(BASE_URL, "SMARTAPP_BASE_URL is not set: run through test/e2e/sdk-python.e2e-spec.ts")(cls)


def _one(pattern, text, what):
    match = re.search(pattern, text)
    if not match:
        raise AssertionError("no %s on the page" % what)
    return html.unescape(match.group(1))


def option_value(page, label):
    """The value of the radio/checkbox labelled ``label`` (a device or a location)."""
    return _one(r'value="([^"]+)"[^>]*>\s*' + re.escape(label) + r"\s*</label>", page, "option " + label)


class Browser(object):
    """A person with a session on the platform, who answers the consent pages."""

    def __init__(self, email=DEMO_USER[0], password=DEMO_USER[1]):
        self.http = requests.Session()
        page = self.http.get(BASE_URL + "/login", timeout=10).text
        res = self.http.post(
            BASE_URL + "/login",
            data={"email": email, "password": password, "_csrf": _one(r'name="_csrf" value="([^"]+)"', page, "_csrf"), "return_to": "/"},
            allow_redirects=False,
            timeout=10,
        )
        if res.status_code != 303:
            raise AssertionError("log-in failed with %d" % res.status_code)

    def open(self, url):
        """Follows the platform's redirects from ``url`` to the page it lands on (status, url, text)."""
        for _ in range(10):
            res = self.http.get(url, allow_redirects=False, timeout=10)
            if res.status_code in (301, 302, 303, 307) and res.headers["Location"].startswith((BASE_URL, "/")):
                url = urljoin(url, res.headers["Location"])
                continue
            return res.status_code, url, res.text
        raise AssertionError("too many redirects")

    def submit(self, page_url, page, fields, marker='name="decision"'):
        """Posts the page's form holding ``marker`` with its hidden inputs and ``fields``; the reply (not followed)."""
        # the layout's log-out form comes first: take the one with the decision buttons
        form = next((f for f in page.split("<form")[1:] if marker in f), None)
        if form is None:
            raise AssertionError("no form with %s on the page" % marker)
        form = form.split("</form>")[0]
        action = urljoin(page_url, _one(r'action="([^"]*)"', form, "form action"))
        data = [(html.unescape(n), html.unescape(v)) for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)]
        data.extend(fields)
        return self.http.post(action, data=data, allow_redirects=False, timeout=10)

    def consent(self, url, location, device, decision="allow"):
        """From an authorization URL to the redirect the app receives (its Location)."""
        status, page_url, page = self.open(url)
        if status != 200:
            raise AssertionError("the authorization page answered %d" % status)
        if 'name="location_id"' in page:
            chosen = self.submit(page_url, page, [("location_id", option_value(page, location)), ("decision", "next")])
            if chosen.status_code not in (302, 303):
                raise AssertionError("choosing the location answered %d: %s" % (chosen.status_code, chosen.text[:500]))
            status, page_url, page = self.open(urljoin(page_url, chosen.headers["Location"]))
        fields = [("decision", decision)]
        if decision == "allow":
            fields.append(("settings[switches]", option_value(page, device)))
        decided = self.submit(page_url, page, fields)
        if decided.status_code not in (302, 303):
            raise AssertionError("the decision answered %d" % decided.status_code)
        return decided.headers["Location"]
