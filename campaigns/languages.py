"""Each person's language (issue 16): their own pages, texts and emails in the language they chose.

Anonymous pages follow the visitor (the switcher's cookie, then the browser), set by
config.middleware.EmployeeLanguageMiddleware. Where we know whose page or message it is, the
person's stored language wins: they chose it at sign-up or on their own page, and a shared or
borrowed phone's browser says nothing about them.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from campaigns.models import Subscriber


def language_of(subscriber: Subscriber | None) -> str:
    """The language to write to this person in; the programme's own for someone we do not know."""
    return subscriber.language if subscriber is not None and subscriber.language else settings.LANGUAGE_CODE


def speak_to(request: HttpRequest, language: str) -> None:
    """Render the rest of this request in the language of the person whose page it is.

    The page then hides the language switcher (base.html): their language is changed on /me/.
    """
    translation.activate(language or settings.LANGUAGE_CODE)
    request.LANGUAGE_CODE = translation.get_language()
    request.language_is_fixed = True


def greet_in(request: HttpRequest, language: str) -> None:
    """Render this request in `language` unless the visitor chose one with the switcher.

    For a page that expects a person without being theirs yet (an invitation link): the
    invitation was written in the language the import gave them, and the page should follow it,
    but the switcher still works, since the one holding the link knows better than the import.
    """
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        translation.activate(language or settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()


def visitor_language(request: HttpRequest) -> str:
    """The language the middleware chose for this visitor, as one of settings.LANGUAGES."""
    return translation.get_supported_language_variant(
        getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    )
