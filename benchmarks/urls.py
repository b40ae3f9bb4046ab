from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns


def bare_redirect(request: HttpRequest) -> HttpResponseRedirect:
    """The least a redirect can cost through the same Django stack: the baseline."""
    return HttpResponseRedirect("https://www.youtube.com/watch?v=dQw4w9WgXcQ")


urlpatterns = [path("bare-302", bare_redirect), *app_urlpatterns]
