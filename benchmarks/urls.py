import os

from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path

from campaigns import tracking
from config.urls import urlpatterns as app_urlpatterns


def bare_redirect(request: HttpRequest) -> HttpResponseRedirect:
    """The least a redirect can cost through the same Django stack: the baseline."""
    return HttpResponseRedirect("https://www.youtube.com/watch?v=dQw4w9WgXcQ")


# benchmarks/redirect.py runs a second server counting clicks with one Redis write per click.
if os.environ.get("BENCH_CLICK_COUNTER") == "pipelined":
    from benchmarks.pipelined_clicks import PipelinedClickBuffer

    tracking._redis_buffers[settings.REDIS_URL] = PipelinedClickBuffer(settings.REDIS_URL)

urlpatterns = [path("bare-302", bare_redirect), *app_urlpatterns]
