"""Each role against each admin page: the answers are written out below, and asked of the real pages.

The table is the policy in the curators' words, typed by hand, not read from curation.roles: a
change to the code that changes an answer fails here until the table is changed on purpose.

Probes (what a person would see):
  list / add / delete / history / past / export / import: the page's status
      (200, 403, or "login": sent to the sign-in page);
  change: the object's page: "edit" (a Save button), "read" (shown, no Save) or 403;
  bulk-delete and action:<name>: "yes" if offered in the list's action menu, else "no";
  post:<control>: a campaign's Launch/Cancel button pressed: 302 (done, back to the page) or 403.
  room:<page>: a page of the meeting's room (analytics' review:<page>): its status;
  room-post:<page>: a decision taken on its first card ("keep"), "Apply all", or "Start this
      week's meeting" pressed: 302 (done), 400 (refused: already applied) or 403.
  page: a page of ours outside a model's admin, named by its URL ("review:decisions").
"history" is the object's history list, "past" the page of its first recorded version.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from accounts.models import SignInAttempt, SignInOutcome
from analytics import sharing
from analytics.clock import today
from analytics.imports import EXPORT_FORMATS
from analytics.models import (
    CampaignSessions,
    DailyMetric,
    QuizResponse,
    RetentionPoint,
    ReviewDigest,
    Source,
    SyncRun,
)
from campaigns import journeys, sending
from campaigns.models import (
    Campaign,
    ContactAccessAction,
    ContactAccessLog,
    Journey,
    Medium,
    Segment,
    Suppression,
    SuppressionReason,
    TeamChannel,
    TeamChannelKind,
    TeamPost,
    WhatsAppTemplate,
)
from channels.models import MetricSource
from curation.admin_policy import PolicyAdmin
from curation.inbox.models import CandidateSource
from curation.models import (
    AgendaItem,
    AgendaKind,
    ContentBrief,
    Decision,
    DecisionAction,
    Format,
    LearningWish,
    ReviewMeeting,
    Stage,
    WishSource,
)
from curation.roles import AGENCY_CURATOR, INTERNAL_CURATOR
from tests.campaigns.journey_data import welcome_series
from tests.factories import (
    CandidateFactory,
    ChannelFactory,
    ContentItemFactory,
    PlacementFactory,
    SubscriberFactory,
    TopicFactory,
    live_item,
    ready_campaign,
)

pytestmark = [pytest.mark.django_db, pytest.mark.requires("postgres")]

PERSONAS = ("internal", "agency", "staff", "employee")

# model[variant]               probe                 internal  agency  staff  employee
EXPECTED = """
auth.group                     list                  403       403     403    login
auth.group                     add                   403       403     403    login
auth.group                     change                403       403     403    login
auth.group                     delete                403       403     403    login
auth.user                      list                  403       403     403    login
auth.user                      add                   403       403     403    login
auth.user                      change                403       403     403    login
auth.user                      delete                403       403     403    login
django_celery_beat.periodictask list                 403       403     403    login
django_celery_beat.periodictask add                  403       403     403    login
django_celery_beat.periodictask change               403       403     403    login
django_celery_beat.periodictask delete               403       403     403    login
django_celery_beat.periodictask bulk-delete          no        no      no     no
django_celery_beat.periodictask action:enable_tasks  no        no      no     no
django_celery_beat.periodictask action:run_tasks     no        no      no     no
django_celery_beat.intervalschedule list             403       403     403    login
django_celery_beat.intervalschedule change           403       403     403    login
django_celery_beat.intervalschedule delete           403       403     403    login
django_celery_beat.crontabschedule list              403       403     403    login
django_celery_beat.crontabschedule change            403       403     403    login
django_celery_beat.clockedschedule list              403       403     403    login
django_celery_beat.clockedschedule change            403       403     403    login
django_celery_beat.solarschedule list                403       403     403    login
django_celery_beat.solarschedule change              403       403     403    login

curation.topic                 list                  200       200     403    login
curation.topic                 add                   200       200     403    login
curation.topic                 change                edit      edit    403    login
curation.topic                 delete                200       200     403    login
curation.topic                 bulk-delete           yes       yes     no     no
curation.contentitem           list                  200       200     403    login
curation.contentitem           add                   200       200     403    login
curation.contentitem           change                edit      edit    403    login
curation.contentitem           delete                200       200     403    login
curation.contentitem           bulk-delete           yes       yes     no     no
curation.contentitem           history               200       200     403    login
curation.contentitem           past                  200       200     403    login
curation.contentitem           action:start_production yes     yes     no     no
curation.contentitem           action:mark_live      yes       yes     no     no
curation.contentitem           action:retire         yes       yes     no     no
curation.placement             list                  200       200     403    login
curation.placement             add                   200       200     403    login
curation.placement             change                edit      edit    403    login
curation.placement             delete                200       200     403    login
curation.placement             bulk-delete           yes       yes     no     no
curation.placement             history               200       200     403    login
curation.placement             past                  200       200     403    login
curation.placement             action:check_links_now yes      yes     no     no
channels.channel               list                  200       200     403    login
channels.channel               add                   200       200     403    login
channels.channel               change                edit      edit    403    login
channels.channel               delete                200       200     403    login
channels.channel               bulk-delete           yes       yes     no     no
channels.channel               history               200       200     403    login
channels.channel               past                  200       200     403    login
channels.channel               action:sync_now       yes       yes     no     no
curation.reviewmeeting         list                  200       200     403    login
curation.reviewmeeting         add                   200       200     403    login
curation.reviewmeeting         change                edit      edit    403    login
curation.reviewmeeting         delete                200       200     403    login
curation.reviewmeeting         bulk-delete           no        no      no     no
curation.reviewmeeting         action:apply_all      yes       yes     no     no
curation.reviewmeeting         room:meeting          302       302     403    login
curation.reviewmeeting         room:card             200       200     403    login
curation.reviewmeeting         room:minutes          200       200     403    login
curation.reviewmeeting         room:minutes_csv      200       200     403    login
curation.reviewmeeting         room-post:card        302       302     403    login
curation.reviewmeeting         room-post:apply_all   302       302     403    login
curation.reviewmeeting         room-post:start_meeting 302     302     403    login
curation.reviewmeeting[applied] delete               403       403     403    login
curation.reviewmeeting[applied] room:card            200       200     403    login
curation.reviewmeeting[applied] room-post:card       400       400     403    login
curation.decision              list                  200       200     403    login
curation.decision              add                   403       403     403    login
curation.decision              change                read      read    403    login
curation.decision              delete                403       403     403    login
curation.decision              bulk-delete           no        no      no     no
curation.decision              history               200       200     403    login
curation.decision              past                  200       200     403    login
curation.decision              action:apply          yes       yes     no     no
curation.contentbrief          list                  200       200     403    login
curation.contentbrief          add                   200       200     403    login
curation.contentbrief          change                edit      edit    403    login
curation.contentbrief          delete                200       200     403    login
curation.contentbrief          bulk-delete           yes       yes     no     no
curation.contentbrief          history               200       200     403    login
curation.contentbrief          past                  200       200     403    login
curation.learningwish          list                  200       200     403    login
curation.learningwish          add                   403       403     403    login
curation.learningwish          change                read      read    403    login
curation.learningwish          delete                200       200     403    login
curation.learningwish          bulk-delete           yes       yes     no     no
curation.learningwish          action:turn_into_brief yes      yes     no     no
curation.learningwish          action:dismiss        yes       yes     no     no
curation.candidate             list                  200       200     403    login
curation.candidate             add                   403       403     403    login
curation.candidate             change                read      read    403    login
curation.candidate             delete                403       403     403    login
curation.candidate             bulk-delete           no        no      no     no
admin:curation_candidate_inbox page                  200       200     403    login
curation.candidatesource       list                  200       200     403    login
curation.candidatesource       add                   200       200     403    login
curation.candidatesource       change                edit      edit    403    login
curation.candidatesource       delete                200       200     403    login
curation.candidatesource       bulk-delete           yes       yes     no     no
curation.candidatesource       action:poll_now       yes       yes     no     no

campaigns.subscriber           list                  200       200     403    login
campaigns.subscriber           add                   200       403     403    login
campaigns.subscriber           change                edit      read    403    login
campaigns.subscriber           delete                200       403     403    login
campaigns.subscriber           bulk-delete           yes       no      no     no
campaigns.subscriber           history               200       200     403    login
campaigns.subscriber           past                  200       200     403    login
campaigns.subscriber           export                200       200     403    login
campaigns.subscriber           import                200       403     403    login
campaigns.subscriber           action:send_invitation yes      no      no     no
campaigns.segment              list                  200       200     403    login
campaigns.segment              add                   200       403     403    login
campaigns.segment              change                edit      read    403    login
campaigns.segment              delete                200       403     403    login
campaigns.segment              bulk-delete           yes       no      no     no
campaigns.segment              history               200       200     403    login
campaigns.segment              past                  200       200     403    login
campaigns.suppression          list                  200       403     403    login
campaigns.suppression          add                   403       403     403    login
campaigns.suppression          change                read      403     403    login
campaigns.suppression          delete                403       403     403    login
campaigns.suppression          bulk-delete           no        no      no     no
campaigns.whatsapptemplate     list                  200       200     403    login
campaigns.whatsapptemplate     add                   403       403     403    login
campaigns.whatsapptemplate     change                read      read    403    login
campaigns.whatsapptemplate     delete                200       403     403    login
campaigns.whatsapptemplate     bulk-delete           yes       no      no     no
campaigns.whatsapptemplate     action:refresh_selected yes     no      no     no
campaigns.teamchannel          list                  200       403     403    login
campaigns.teamchannel          add                   200       403     403    login
campaigns.teamchannel          change                edit      403     403    login
campaigns.teamchannel          delete                200       403     403    login
campaigns.teamchannel          bulk-delete           yes       no      no     no
campaigns.teamchannel          action:send_test_post yes       no      no     no
campaigns.teampost             list                  200       403     403    login
campaigns.teampost             add                   403       403     403    login
campaigns.teampost             change                read      403     403    login
campaigns.teampost             delete                403       403     403    login
campaigns.teampost             bulk-delete           no        no      no     no
campaigns.contactaccesslog     list                  200       403     403    login
campaigns.contactaccesslog     add                   403       403     403    login
campaigns.contactaccesslog     change                read      403     403    login
campaigns.contactaccesslog     delete                403       403     403    login
campaigns.contactaccesslog     bulk-delete           no        no      no     no
accounts.signinattempt         list                  200       403     403    login
accounts.signinattempt         add                   403       403     403    login
accounts.signinattempt         change                read      403     403    login
accounts.signinattempt         delete                403       403     403    login
accounts.signinattempt         bulk-delete           no        no      no     no
account.emailaddress           list                  403       403     403    login
account.emailaddress           change                403       403     403    login
mfa.authenticator              list                  403       403     403    login
mfa.authenticator              change                403       403     403    login
mfa.authenticator              delete                403       403     403    login
socialaccount.socialapp        list                  403       403     403    login
socialaccount.socialapp        change                403       403     403    login
socialaccount.socialaccount    list                  403       403     403    login
socialaccount.socialaccount    change                403       403     403    login
socialaccount.socialtoken      list                  403       403     403    login
socialaccount.socialtoken      change                403       403     403    login
campaigns.campaign[draft]      list                  200       200     403    login
campaigns.campaign[draft]      add                   200       200     403    login
campaigns.campaign[draft]      change                edit      edit    403    login
campaigns.campaign[draft]      delete                200       200     403    login
campaigns.campaign[draft]      bulk-delete           no        no      no     no
campaigns.campaign[draft]      history               200       200     403    login
campaigns.campaign[draft]      past                  200       200     403    login
campaigns.campaign[draft]      post:launch           302       403     403    login
campaigns.campaign[scheduled]  change                edit      read    403    login
campaigns.campaign[scheduled]  delete                403       403     403    login
campaigns.campaign[scheduled]  history               200       200     403    login
campaigns.campaign[scheduled]  past                  200       200     403    login
campaigns.campaign[scheduled]  post:cancel           302       403     403    login
campaigns.journey[draft]       list                  200       200     403    login
campaigns.journey[draft]       add                   200       200     403    login
campaigns.journey[draft]       change                edit      edit    403    login
campaigns.journey[draft]       delete                200       200     403    login
campaigns.journey[draft]       bulk-delete           no        no      no     no
campaigns.journey[draft]       history               200       200     403    login
campaigns.journey[draft]       past                  200       200     403    login
campaigns.journey[draft]       post:launch           302       403     403    login
campaigns.journey[live]        change                edit      read    403    login
campaigns.journey[live]        delete                403       403     403    login
campaigns.journey[live]        post:pause            302       403     403    login

analytics.dailymetric[manual]  list                  200       200     403    login
analytics.dailymetric[manual]  add                   200       200     403    login
analytics.dailymetric[manual]  change                edit      edit    403    login
analytics.dailymetric[manual]  delete                200       403     403    login
analytics.dailymetric[manual]  bulk-delete           yes       no      no     no
analytics.dailymetric[manual]  import                200       200     403    login
analytics.dailymetric[imported] change               read      read    403    login
analytics.dailymetric[imported] delete               200       403     403    login
analytics.retentionpoint       list                  200       200     403    login
analytics.retentionpoint       add                   403       403     403    login
analytics.retentionpoint       change                read      read    403    login
analytics.retentionpoint       delete                403       403     403    login
analytics.retentionpoint       bulk-delete           no        no      no     no
analytics.campaignsessions     list                  200       200     403    login
analytics.campaignsessions     add                   403       403     403    login
analytics.campaignsessions     change                read      read    403    login
analytics.campaignsessions     delete                403       403     403    login
analytics.campaignsessions     bulk-delete           no        no      no     no
analytics.quizresponse         list                  200       200     403    login
analytics.quizresponse         add                   403       403     403    login
analytics.quizresponse         change                403       403     403    login
analytics.quizresponse         delete                403       403     403    login
analytics.syncrun              list                  200       200     403    login
analytics.syncrun              add                   403       403     403    login
analytics.syncrun              change                read      read    403    login
analytics.syncrun              delete                200       403     403    login
analytics.syncrun              bulk-delete           yes       no      no     no
analytics.reviewshare          list                  200       403     403    login
analytics.reviewshare          add                   200       403     403    login
analytics.reviewshare          change                read      403     403    login
analytics.reviewshare          delete                200       403     403    login
analytics.reviewshare          bulk-delete           yes       no      no     no
analytics.reviewshare          action:revoke         yes       no      no     no
analytics.reviewdigest         list                  200       403     403    login
analytics.reviewdigest         add                   200       403     403    login
analytics.reviewdigest         change                edit      403     403    login
analytics.reviewdigest         delete                200       403     403    login
analytics.reviewdigest         bulk-delete           yes       no      no     no

review:decisions               page                  200       200     403    login
review:decisions_csv           page                  200       200     403    login
"""


def parse(table: str) -> dict[str, list[tuple[str, dict[str, str]]]]:
    rows: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for line in table.strip().splitlines():
        if line.strip():
            subject, probe, *answers = line.split()
            rows.setdefault(subject, []).append((probe, dict(zip(PERSONAS, answers, strict=True))))
    return rows


MATRIX = parse(EXPECTED)


# --- The people and the objects. ---


def persona_client(django_user_model, persona: str) -> Client:
    roles = {"internal": INTERNAL_CURATOR, "agency": AGENCY_CURATOR}
    user = django_user_model.objects.create_user(
        username=persona, password="a-long-test-password", is_staff=persona != "employee"
    )
    if persona in roles:
        user.groups.add(Group.objects.get(name=roles[persona]))
    client = Client()
    client.force_login(user)
    return client


def launched_campaign() -> Campaign:
    launcher = get_user_model().objects.create_superuser("launcher", password="a-long-test-password")
    campaign = ready_campaign(
        placements=[live_item(title="Giving feedback").placements.get()],
        send_at=datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
    )
    sending.launch(campaign=campaign, by=launcher)
    return campaign


def draft_journey() -> Journey:
    return welcome_series(live_item(title="Giving feedback").placements.get())


def launched_journey() -> Journey:
    launcher = get_user_model().objects.create_superuser("launcher", password="a-long-test-password")
    return journeys.launch(journey=draft_journey(), by=launcher)


def meeting(applied: bool = False, weeks_ago: int = 0) -> ReviewMeeting:
    held = ReviewMeeting.objects.create(held_on=date(2026, 11, 23) - timedelta(weeks=weeks_ago))
    item = ContentItemFactory()
    AgendaItem.objects.create(
        meeting=held, position=1, kind=AgendaKind.RETIRE, reason="Unwatched.", item=item
    )
    Decision.objects.create(
        meeting=held,
        action=DecisionAction.values[0],
        item=item,
        applied_at=timezone.now() if applied else None,
    )
    return held


def social_app() -> SocialApp:
    return SocialApp.objects.create(provider="openid_connect", provider_id="idp", name="IdP", client_id="c")


def social_account() -> SocialAccount:
    return SocialAccount.objects.create(
        user=get_user_model().objects.create_user("someone"), provider="idp", uid="42"
    )


def make(subject: str):
    """One object of the subject's model (in the state its [variant] names)."""
    builders = {
        "auth.group": lambda: Group.objects.create(name="Readers"),
        "auth.user": lambda: get_user_model().objects.create_user("someone"),
        "django_celery_beat.periodictask": lambda: PeriodicTask.objects.create(
            name="tidy",
            task="curation.tasks.tidy",
            interval=IntervalSchedule.objects.create(every=1, period="days"),
        ),
        "django_celery_beat.intervalschedule": lambda: IntervalSchedule.objects.create(
            every=2, period="hours"
        ),
        "django_celery_beat.crontabschedule": lambda: CrontabSchedule.objects.create(minute="5"),
        "django_celery_beat.clockedschedule": lambda: ClockedSchedule.objects.create(
            clocked_time=datetime(2026, 12, 24, 9, 0, tzinfo=UTC)
        ),
        "django_celery_beat.solarschedule": lambda: SolarSchedule.objects.create(
            event="sunrise", latitude=51.5, longitude=-0.1
        ),
        "curation.topic": TopicFactory,
        "curation.contentitem": ContentItemFactory,
        "curation.placement": PlacementFactory,
        "channels.channel": ChannelFactory,
        "curation.reviewmeeting": meeting,
        "curation.reviewmeeting[applied]": lambda: meeting(applied=True),
        "curation.decision": lambda: meeting().decisions.get(),
        "curation.contentbrief": lambda: ContentBrief.objects.create(
            topic=TopicFactory(),
            format=Format.values[0],
            stage=Stage.values[0],
            why="Asked for at the review.",
        ),
        "curation.candidatesource": lambda: CandidateSource.objects.create(
            name="A learning blog", url="https://blog.example.org/feed.xml"
        ),
        "curation.learningwish": lambda: LearningWish.objects.create(
            text="Handling difficult conversations",
            source=WishSource.FRONT_DOOR,
            received_on=date(2026, 11, 24),
        ),
        "curation.candidate": CandidateFactory,
        "campaigns.subscriber": lambda: SubscriberFactory(phone="+447400123456"),
        "campaigns.segment": lambda: Segment.objects.create(name="Finance"),
        "campaigns.suppression": lambda: Suppression.objects.create(
            address_hash="a" * 64, medium=Medium.SMS, reason=SuppressionReason.values[0]
        ),
        "campaigns.whatsapptemplate": lambda: WhatsAppTemplate.objects.create(
            content_sid="HX" + "a" * 32, name="learning_nudge", body="Hi {{1}}", checked_at=timezone.now()
        ),
        "campaigns.teamchannel": lambda: TeamChannel.objects.create(
            name="Sales on Slack", kind=TeamChannelKind.SLACK, slack_channel_id="C0123456789"
        ),
        "campaigns.teampost": lambda: TeamPost.objects.create(
            campaign=ready_campaign(placements=[live_item(title="Giving feedback").placements.get()]),
            channel=TeamChannel.objects.create(name="Sales on Teams", kind=TeamChannelKind.TEAMS),
            occurrence=1,
            not_before=timezone.now(),
        ),
        "campaigns.contactaccesslog": lambda: ContactAccessLog.objects.create(
            user=get_user_model().objects.create_user("auditor"),
            action=ContactAccessAction.VIEWED,
            subscriber_count=1,
        ),
        "accounts.signinattempt": lambda: SignInAttempt.objects.create(
            outcome=SignInOutcome.FAILURE, login="someone", address_hash="b" * 64
        ),
        "account.emailaddress": lambda: EmailAddress.objects.create(
            user=get_user_model().objects.create_user("someone"), email="someone@example.org"
        ),
        "mfa.authenticator": lambda: Authenticator.objects.create(
            user=get_user_model().objects.create_user("someone"), type=Authenticator.Type.TOTP, data={}
        ),
        "socialaccount.socialapp": social_app,
        "socialaccount.socialaccount": lambda: social_account(),
        "socialaccount.socialtoken": lambda: SocialToken.objects.create(
            app=social_app(), account=social_account(), token="not-a-real-token"
        ),
        "campaigns.campaign[draft]": lambda: ready_campaign(
            placements=[live_item(title="Giving feedback").placements.get()],
            send_at=datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
        ),
        "campaigns.campaign[scheduled]": launched_campaign,
        "campaigns.journey[draft]": draft_journey,
        "campaigns.journey[live]": launched_journey,
        "analytics.dailymetric[manual]": lambda: DailyMetric.objects.create(
            placement=PlacementFactory(), date=date(2026, 11, 23), source=Source.MANUAL, views=12
        ),
        "analytics.dailymetric[imported]": lambda: DailyMetric.objects.create(
            placement=PlacementFactory(), date=date(2026, 11, 23), source=Source.CSV, views=12
        ),
        "analytics.retentionpoint": lambda: RetentionPoint.objects.create(
            placement=PlacementFactory(),
            period_start=date(2026, 11, 1),
            period_end=date(2026, 11, 30),
            elapsed_ratio="0.5",
            audience_watch_ratio=0.4,
        ),
        "analytics.campaignsessions": lambda: CampaignSessions.objects.create(
            channel=ChannelFactory(), campaign_name="feedback-week", date=date(2026, 11, 23), sessions=9
        ),
        "analytics.quizresponse": lambda: QuizResponse.objects.create(
            version=1, stage=Stage.values[0], answers={}, answered_on=date(2026, 11, 23)
        ),
        "analytics.reviewshare": lambda: sharing.create_share(
            label="Board", sections=["glance"], expires_on=today() + timedelta(days=10), created_by=None
        )[0],
        "analytics.reviewdigest": lambda: ReviewDigest.objects.create(
            label="Board", addresses="cfo@example.org", sections=["glance"]
        ),
        "analytics.syncrun": lambda: SyncRun.objects.create(
            source=Source.YOUTUBE, period_start=date(2026, 11, 1), period_end=date(2026, 11, 7)
        ),
    }
    if ":" in subject:  # a page named by its URL: nothing to make
        return subject
    return builders[subject]()


# --- Asking the pages. ---


def url(obj, page: str, *args: object) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{page}", args=args)


def status_in_words(response) -> str:
    if response.status_code == 302 and reverse("admin:login") in response["Location"]:
        return "login"
    return str(response.status_code)


def offered(client: Client, obj) -> set[str]:
    page = client.get(url(obj, "changelist"))
    if page.status_code != 200:
        return set()
    form = page.context["action_form"] if page.context and "action_form" in page.context else None
    return {value for value, _ in form.fields["action"].choices if value} if form else set()


# The meeting room's pages, the address each is asked at, and what its buttons post.
ROOM_PAGES = {
    "meeting": lambda meeting: [meeting.pk],
    "card": lambda meeting: [meeting.pk, 1],
    "minutes": lambda meeting: [meeting.pk],
    "minutes_csv": lambda meeting: [meeting.pk],
    "apply_all": lambda meeting: [meeting.pk],
    "start_meeting": lambda meeting: [],
}
ROOM_POSTS = {"card": {"action": "keep", "intended_effect": "usual"}, "apply_all": {}, "start_meeting": {}}


def room_url(meeting: ReviewMeeting, page: str) -> str:
    return reverse(f"review:{page}", args=ROOM_PAGES[page](meeting))


def ask(client: Client, obj, probe: str) -> str:
    if probe == "page":
        return status_in_words(client.get(reverse(obj)))
    if probe == "list":
        return status_in_words(client.get(url(obj, "changelist")))
    if probe == "add":
        return status_in_words(client.get(url(obj, "add")))
    if probe == "change":
        response = client.get(url(obj, "change", obj.pk))
        if response.status_code != 200:
            return status_in_words(response)
        return "edit" if 'name="_save"' in response.content.decode() else "read"
    if probe == "delete":
        return status_in_words(client.get(url(obj, "delete", obj.pk)))
    if probe == "history":
        return status_in_words(client.get(url(obj, "history", obj.pk)))
    if probe == "past":
        version = obj.history.earliest()
        return status_in_words(client.get(url(obj, "simple_history", obj.pk, version.history_id)))
    if probe in ("export", "import"):
        return status_in_words(client.get(url(obj, probe)))
    if probe == "bulk-delete":
        return "yes" if "delete_selected" in offered(client, obj) else "no"
    if probe.startswith("action:"):
        return "yes" if probe.removeprefix("action:") in offered(client, obj) else "no"
    if probe.startswith("post:"):
        return status_in_words(client.post(url(obj, probe.removeprefix("post:"), obj.pk)))
    if probe.startswith("room:"):
        return status_in_words(client.get(room_url(obj, probe.removeprefix("room:"))))
    if probe.startswith("room-post:"):
        page = probe.removeprefix("room-post:")
        return status_in_words(client.post(room_url(obj, page), ROOM_POSTS[page]))
    raise AssertionError(f"No such probe in the table: {probe}")


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("subject", sorted(MATRIX))
def test_each_role_gets_what_the_table_says(django_user_model, subject, persona):
    with time_machine.travel(datetime(2026, 11, 25, 9, 0, tzinfo=UTC), tick=False):
        obj = make(subject)
        client = persona_client(django_user_model, persona)
        # A button pressed ("post:") is each subject's last probe: the others see the object as made.
        answers = {probe: ask(client, obj, probe) for probe, _ in MATRIX[subject]}

    expected = {probe: answers_by_persona[persona] for probe, answers_by_persona in MATRIX[subject]}
    assert answers == expected


def test_the_table_covers_every_registered_model():
    registered = {model._meta.label_lower for model in admin.site._registry}
    covered = {subject.split("[")[0] for subject in MATRIX if ":" not in subject}
    assert registered == covered


def test_the_table_asks_every_page_of_the_meeting_room():
    from analytics import meeting_views, urls

    pages = {
        pattern.name for pattern in urls.urlpatterns if pattern.callback.__module__ == meeting_views.__name__
    }
    asked = {
        probe.split(":", 1)[1]
        for probe, _ in MATRIX["curation.reviewmeeting"]
        if probe.startswith(("room:", "room-post:"))
    }
    assert pages == asked == set(ROOM_PAGES)


# --- Found by hostile testers: each failed before the policy went into curation.roles. ---


@pytest.fixture
def frozen_clock():
    with time_machine.travel(datetime(2026, 11, 25, 9, 0, tzinfo=UTC), tick=False):
        yield


@pytest.mark.usefixtures("frozen_clock")
def test_the_agency_curator_cannot_delete_a_scheduled_campaign_one_by_one_or_in_bulk(agency_client):
    campaign = launched_campaign()

    one = agency_client.post(url(campaign, "delete", campaign.pk), {"post": "yes"})
    bulk = agency_client.post(
        url(campaign, "changelist"),
        {"action": "delete_selected", "_selected_action": [campaign.pk], "post": "yes"},
    )

    assert one.status_code == 403
    assert bulk.status_code == 200  # The list again: no bulk delete is offered, so none is done.
    assert Campaign.objects.get(pk=campaign.pk).status == "scheduled"


@pytest.mark.usefixtures("frozen_clock")
def test_the_internal_curator_cancels_a_scheduled_campaign_rather_than_deleting_it(internal_client):
    campaign = launched_campaign()

    page = internal_client.get(url(campaign, "change", campaign.pk)).content.decode()
    deleted = internal_client.post(url(campaign, "delete", campaign.pk), {"post": "yes"})
    cancelled = internal_client.post(url(campaign, "cancel", campaign.pk))

    assert url(campaign, "delete", campaign.pk) not in page
    assert deleted.status_code == 403
    assert cancelled.status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).status == "cancelled"


@pytest.mark.usefixtures("frozen_clock")
def test_the_agency_curator_cannot_turn_a_scheduled_campaign_back_into_a_draft_from_its_history(
    agency_client,
):
    campaign = launched_campaign()
    draft_version = campaign.history.earliest()
    page = url(campaign, "simple_history", campaign.pk, draft_version.history_id)

    send_at = timezone.localtime(draft_version.send_at)
    as_it_was = {
        "name": draft_version.name,
        "slug": draft_version.slug,
        "purpose": "",
        "placements": [placement.pk for placement in campaign.placements.all()],
        "sms_text": draft_version.sms_text,
        "email_subject": draft_version.email_subject,
        "email_body": draft_version.email_body,
        "segments": [segment.pk for segment in campaign.segments.all()],
        "media": draft_version.media,
        "send_at_0": send_at.date().isoformat(),
        "send_at_1": send_at.time().isoformat(),
        "repeat": draft_version.repeat,
    }

    reverted = agency_client.post(page, as_it_was)

    assert Campaign.objects.get(pk=campaign.pk).status == "scheduled"
    assert reverted.status_code == 403


@pytest.mark.usefixtures("frozen_clock")
@pytest.mark.parametrize("persona_client", ["internal_client", "agency_client"])
def test_a_launched_campaigns_history_renders(request, persona_client):
    client = request.getfixturevalue(persona_client)
    campaign = launched_campaign()

    for version in campaign.history.all():
        response = client.get(url(campaign, "simple_history", campaign.pk, version.history_id))
        assert response.status_code == 200, version.status
        assert "Feedback week" in response.content.decode()


def test_opening_a_past_version_of_an_employee_is_logged_like_opening_the_record(
    internal_client, internal_curator
):
    grace = SubscriberFactory(phone="+447400123456", department="Finance")
    grace.department = "People"
    grace.save()
    version = grace.history.earliest()

    page = internal_client.get(url(grace, "simple_history", grace.pk, version.history_id))

    assert "+447400123456" in page.content.decode()
    assert list(ContactAccessLog.objects.values_list("user", "action", "subscriber_count", "detail")) == [
        (
            internal_curator.pk,
            ContactAccessAction.VIEWED,
            1,
            f"Subscriber #{grace.pk}, past version {version.history_id}",
        )
    ]


def test_an_employees_history_list_shows_no_contact_data_so_logs_nothing(internal_client):
    grace = SubscriberFactory(phone="+447400123456", email="grace@example.org", display_name="Grace Hopper")
    grace.department = "People"
    grace.save()

    page = internal_client.get(url(grace, "history", grace.pk)).content.decode()

    assert "People" in page
    assert not any(
        secret in page for secret in ("+447400123456", "7400 123456", "grace@example.org", "Grace")
    )
    assert not ContactAccessLog.objects.exists()


@pytest.mark.parametrize("value", ["0", "999", "abc", "-1"])
def test_an_odd_format_in_the_export_address_is_a_clear_400(internal_client, value):
    SubscriberFactory()

    response = internal_client.get(reverse("admin:campaigns_subscriber_export"), {"format": value})

    assert response.status_code == 400
    assert "choose the file format on the export page" in response.content.decode()
    assert not ContactAccessLog.objects.exists()


@pytest.mark.parametrize("value", ["999", "abc", "-1", ""])
def test_an_odd_format_posted_to_the_export_is_a_form_error(internal_client, value):
    SubscriberFactory()

    response = internal_client.post(
        reverse("admin:campaigns_subscriber_export"), {"format": value, "resource": "0"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["format"]
    assert not ContactAccessLog.objects.exists()


@pytest.mark.parametrize(
    "url_name", ["admin:campaigns_subscriber_import", "admin:analytics_dailymetric_import"]
)
@pytest.mark.parametrize("value", ["999", "abc", "-1"])
def test_an_odd_format_on_an_import_page_is_a_form_error(internal_client, url_name, value):
    assert internal_client.get(reverse(url_name), {"format": value}).status_code == 200

    response = internal_client.post(reverse(url_name), {"format": value, "resource": "0"})

    assert response.status_code == 200
    assert response.context["form"].errors["format"]


@pytest.mark.parametrize(
    "url_name", ["admin:campaigns_subscriber_process_import", "admin:analytics_dailymetric_process_import"]
)
@pytest.mark.parametrize(
    ("fmt", "resource"), [("999", "0"), ("abc", "0"), ("-1", "0"), ("0", "9"), ("0", "x")]
)
def test_odd_numbers_in_an_imports_confirm_step_are_refused_and_nothing_is_imported(
    internal_client, url_name, fmt, resource
):
    channel = ChannelFactory(metric_source=MetricSource.CSV_IMPORT)
    response = internal_client.post(
        reverse(url_name),
        {
            "import_file_name": "nothing-here",
            "original_file_name": "figures.csv",
            "format": fmt,
            "resource": resource,
            # The metric import's own fields, valid, so only the numbers are odd.
            "channel": channel.pk,
            "export_format": next(iter(EXPORT_FORMATS)),
        },
    )

    assert response.status_code == 200
    odd = {"format"} if fmt != "0" else {"resource"}
    assert set(response.context["confirm_form"].errors) == odd
    assert not ContactAccessLog.objects.exists()
    assert not DailyMetric.objects.exists()


@pytest.mark.parametrize(
    "url_name", ["admin:campaigns_subscriber_process_import", "admin:analytics_dailymetric_process_import"]
)
def test_confirming_an_import_whose_file_is_gone_says_so_and_imports_nothing(internal_client, url_name):
    channel = ChannelFactory(metric_source=MetricSource.CSV_IMPORT)
    response = internal_client.post(
        reverse(url_name),
        {
            "import_file_name": "imported-already",
            "original_file_name": "figures.csv",
            "format": "0",
            "resource": "0",
            "channel": channel.pk,
            "export_format": next(iter(EXPORT_FORMATS)),
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse(url_name.replace("process_import", "import"))
    assert "That file is no longer held (already imported, or left too long): upload it again." in [
        str(message) for message in response.context["messages"]
    ]
    assert not DailyMetric.objects.exists()
    assert not ContactAccessLog.objects.exists()


@pytest.mark.parametrize(
    ("model_name", "build"),
    [
        ("campaigns_campaign", lambda n: ready_campaign(placements=[PlacementFactory()], slug=f"c-{n}")),
        ("curation_reviewmeeting", lambda n: meeting(applied=n % 2 == 0, weeks_ago=n)),
    ],
)
def test_asking_the_policy_costs_no_query_per_row(
    agency_client, django_assert_max_num_queries, model_name, build
):
    changelist = reverse(f"admin:{model_name}_changelist")
    for n in range(3):
        build(n)
    with django_assert_max_num_queries(30) as few_rows:
        agency_client.get(changelist)

    for n in range(3, 30):
        build(n)
    with django_assert_max_num_queries(len(few_rows.captured_queries)):
        response = agency_client.get(changelist)

    assert response.status_code == 200


def test_every_admin_of_ours_asks_the_policy():
    """Django's, django_celery_beat's and allauth's admins go by the roles' Django permissions alone."""
    ours = {"curation", "channels", "campaigns", "analytics", "accounts"}
    not_asking = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in ours and not isinstance(model_admin, PolicyAdmin)
    ]
    assert not_asking == []


def test_the_periodic_task_tables_are_the_operators_alone(admin_client, internal_client):
    """A paused or mistyped schedule silently stops every sync and send: superusers only."""
    tasks = reverse("admin:django_celery_beat_periodictask_changelist")

    assert admin_client.get(tasks).status_code == 200
    assert internal_client.get(tasks).status_code == 403
    assert "Periodic tasks" not in internal_client.get(reverse("admin:index")).content.decode()
