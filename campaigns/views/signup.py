"""Placeholder: built in issue 3 (employees, consent and the messaging backends)."""

from django.http import Http404, HttpRequest, HttpResponse


def _not_yet(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise Http404


join = confirm_phone = confirm_email = invited = _not_yet
