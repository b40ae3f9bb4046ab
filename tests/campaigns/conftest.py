"""Fixtures the campaign tests share."""

from __future__ import annotations

import pytest
import time_machine

from campaigns.models import MediaPreference, WhatsAppTemplate
from campaigns.whatsapp import templates
from tests.campaigns.email_services import use_service
from tests.factories import live_item, ready_campaign
from tests.fakes.mailgun import FakeMailgun
from tests.fakes.postmark import FakePostmark
from tests.fakes.twilio import FakeTwilio
from tests.helpers import TUESDAY_MORNING
from tests.workers import RedisServer

NUDGE = "Hi {{1}}, a few minutes well spent: {{2}}"  # the `nudge` template's words


@pytest.fixture
def nudge(twilio_fake):
    """An approved marketing template on the fake account, read into ours through the Content API."""
    made = twilio_fake.add_template("learning_nudge", NUDGE, category="MARKETING")
    templates.refresh_templates()
    return WhatsAppTemplate.objects.get(content_sid=made.sid)


@pytest.fixture
def working_hours():
    """Tuesday morning in London with the clock ticking: every send is due at once."""
    with time_machine.travel(TUESDAY_MORNING, tick=True):
        yield


# For the tests with a real worker: Twilio's loopback fake, a Redis of their own, an SMS campaign.


@pytest.fixture
def fake():
    twilio = FakeTwilio().start()
    yield twilio
    twilio.stop()


@pytest.fixture
def own_redis():
    """A redis-server the test can kill and restart."""
    server = RedisServer().start()
    yield server
    server.kill()


@pytest.fixture
def campaign():
    placement = live_item(title="Giving feedback").placements.get()
    return ready_campaign(placements=[placement], media=MediaPreference.SMS)


@pytest.fixture
def open_signup(settings):
    """The demo organisation's sign-up rules: its email domain, its invitation code, UK and Irish numbers."""
    settings.PROGRAMME_NAME = "Learn Socially"
    settings.SIGNUP_ALLOWED_EMAIL_DOMAINS = ["acme-learning.example"]
    settings.SIGNUP_INVITATION_CODE = "LEARN-2026"
    settings.SIGNUP_ALLOWED_REGIONS = ["GB", "IE"]
    settings.PHONE_DEFAULT_REGION = "GB"
    return settings


# Email through a sending service: anymail's real backends against loopback fakes of their APIs.
@pytest.fixture
def postmark(settings):
    fake = FakePostmark().start()
    use_service(settings, "postmark", fake)
    settings.CAMPAIGN_WEEKLY_CAP = 10  # several campaigns to one person in a test
    yield fake
    fake.stop()


@pytest.fixture
def mailgun(settings):
    fake = FakeMailgun().start()
    use_service(settings, "mailgun", fake)
    settings.CAMPAIGN_WEEKLY_CAP = 10
    yield fake
    fake.stop()
