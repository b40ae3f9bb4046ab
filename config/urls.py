from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import sso
from config import health
from ops.views import metrics

admin.site.site_header = f"{settings.PROGRAMME_NAME} curation"
admin.site.site_title = f"{settings.PROGRAMME_NAME} curation"
admin.site.index_title = "Catalogue, channels and programme"
# Curator sign-in (issue 13): the admin's login is allauth's, with its throttling and second factor.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    # Campaigns first: its tracked links are the busiest addresses, and no other app shares them.
    path("", include("campaigns.urls")),
    path("", include("curation.urls")),
    # Probes (config/health.py): liveness apart from readiness; /healthz as it always was.
    path("healthz", health.healthz, name="healthz"),
    path("healthz/live", health.live, name="healthz-live"),
    path("healthz/ready", health.ready, name="healthz-ready"),
    # Issue 17: Prometheus's scrape, behind a bearer token (ops.views).
    path("metrics", metrics, name="metrics"),
    # Email services' bounce and complaint webhooks (issue 16), signature-checked by anymail.
    path("anymail/", include("campaigns.email_urls")),
    # Issue 16: the language switcher posts to Django's set_language view, which needs no JavaScript.
    path("i18n/", include("django.conf.urls.i18n")),
    # The weekly review: curators' pages under the admin's login, before the admin's own catch-all.
    path("admin/review/", include("analytics.urls")),
    path("admin/", admin.site.urls),
    # SSO's callback is allauth's, except that the ID token's signature is always checked.
    path("accounts/oidc/<str:provider_id>/login/callback/", sso.callback),
    path("accounts/", include("allauth.urls")),
    path("", include("analytics.public_urls")),
]
