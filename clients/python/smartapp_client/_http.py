"""One HTTP exchange with the platform over requests: a timeout, JSON or form bodies, typed errors."""

import json
from urllib.parse import parse_qsl

import requests

from .errors import error_from

DEFAULT_TIMEOUT = 10.0


class Reply(object):
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body


def send(http, method, url, what, headers=None, json_body=None, form=None, timeout=None):
    """Sends the request and reads the reply; never raises for an error status (see expect_ok)."""
    all_headers = {"Accept": "application/json"}
    all_headers.update(headers or {})
    kwargs = {}
    if json_body is not None:
        kwargs["data"] = json.dumps(json_body)
        all_headers["Content-Type"] = "application/json"
    elif form is not None:
        kwargs["data"] = form
    res = (http or requests).request(method, url, headers=all_headers, timeout=timeout or DEFAULT_TIMEOUT, allow_redirects=False, **kwargs)
    return Reply(res.status_code, res.headers, _body_of(res))


def expect_ok(reply, what):
    """The body of a 2xx reply; else the typed error."""
    if 200 <= reply.status < 300:
        return reply.body
    raise error_from(reply.status, reply.body, reply.headers, what)


def _body_of(res):
    text = res.text
    if text == "":
        return None
    if "application/x-www-form-urlencoded" in res.headers.get("Content-Type", ""):
        return dict(parse_qsl(text, keep_blank_values=True))
    try:
        return json.loads(text)
    except ValueError:
        return text
