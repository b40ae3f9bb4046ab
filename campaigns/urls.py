from django.urls import path

from campaigns.views import account, feedback, redirect, signup, webhooks
from campaigns.views.wishes import wish

app_name = "campaigns"

urlpatterns = [
    # First: every click on a text or email resolves through the patterns before it.
    path("l/<str:token>", redirect.follow_link, name="tracked-link"),
    path("join/", signup.join, name="join"),
    path("join/confirm/", signup.confirm_phone, name="join-confirm"),
    path("join/email/<str:token>/", signup.confirm_email, name="join-confirm-email"),
    path("join/invited/<str:token>/", signup.invited, name="join-invited"),
    path("me/<str:token>/", account.account, name="account"),
    path("u/<str:token>/", account.unsubscribe, name="unsubscribe"),
    path("u/<str:token>/why/", account.leave_reason, name="leave-reason"),
    path("f/<str:token>/", feedback.vote, name="feedback"),
    path("wish/", wish, name="wish"),
    path("hooks/twilio/inbound/", webhooks.twilio_inbound, name="twilio-inbound"),
    path("hooks/twilio/status/", webhooks.twilio_status, name="twilio-status"),
]
