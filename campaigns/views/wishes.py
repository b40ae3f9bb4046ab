"""“What would you like to learn?” from the front door: campaigns scrubs it, curation keeps it.

The front door is curation's page and cannot know employees, so its box posts here. A thank-you
goes back to the front door (Post/Redirect/Get); a problem is shown on this page with the words kept.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from campaigns import wishes
from campaigns.forms.voice import WishForm
from curation.models import WishSource


@require_http_methods(["GET", "POST"])
def wish(request: HttpRequest) -> HttpResponse:
    form = WishForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if wishes.may_send_wish(request):
            wishes.send_wish(text=form.cleaned_data["text"], source=WishSource.FRONT_DOOR)
            messages.success(request, wishes.THANKS, extra_tags="wish")
            return redirect(f"{reverse('home')}#wish")
        form.add_error(None, wishes.TOO_MANY_WISHES)
        response = render(request, "campaigns/wishes/wish.html", {"form": form}, status=429)
        response["Retry-After"] = "3600"
        return response
    return render(request, "campaigns/wishes/wish.html", {"form": form})
