"""The Permissions-Policy header: no page of ours needs a device or a payment, so none may ask.

An injected script or a framed page then cannot prompt an employee for their camera or location
under our name. Django sets no such header and no installed library does, hence this middleware.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Every feature a page could request of the browser, switched off for this origin and any frame.
DENIED_FEATURES = (
    "accelerometer",
    "ambient-light-sensor",
    "autoplay",
    "bluetooth",
    "camera",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
# Passkeys (WebAuthn, for curators' sign-in) on our own pages only, never in a frame.
OWN_PAGES_ONLY = ("publickey-credentials-create", "publickey-credentials-get")
HEADER_VALUE = ", ".join(
    [f"{feature}=()" for feature in DENIED_FEATURES] + [f"{feature}=(self)" for feature in OWN_PAGES_ONLY]
)


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", HEADER_VALUE)
        return response
