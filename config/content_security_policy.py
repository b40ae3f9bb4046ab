"""The Content-Security-Policy every response carries (django-csp 4 sends it; settings call `policy`).

Scripts and styles come from our own static files; an inline <script> or <style> needs the
request's nonce (nonce="{{ request.csp_nonce }}"). Style attributes stay allowed: the admin's own
templates and simple_history's and import_export's write them, and an attribute can neither load
nor select anything. Forms post to us, and to the SSO provider's origin when one is configured:
the sign-in form's POST is redirected there, and browsers hold a form's redirects to form-action.
"""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlsplit

from csp.constants import NONCE, NONE, SELF, UNSAFE_HASHES, UNSAFE_INLINE

# django-import-export's export page ticks every column from one inline handler: that exact
# handler, and no other, may run ('unsafe-hashes' with its hash).
EXPORT_SELECT_ALL_HANDLER = "onSelectToggleChange(event)"


def policy(*, sso_server_url: str = "") -> dict:
    sso_origin = _origin(sso_server_url)
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF, NONCE, UNSAFE_HASHES, _handler_hash(EXPORT_SELECT_ALL_HANDLER)],
            "style-src": [SELF, NONCE],
            "style-src-attr": [UNSAFE_INLINE],
            "img-src": [SELF, "data:"],
            "font-src": [SELF],
            "connect-src": [SELF],
            "object-src": [NONE],
            "base-uri": [NONE],
            "frame-ancestors": [NONE],
            "form-action": [SELF, *([sso_origin] if sso_origin else [])],
        }
    }


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _handler_hash(handler: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(handler.encode()).digest()).decode()}'"
