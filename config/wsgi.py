import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# The embedded default has no beat: the process serving the app runs the schedule itself.
from config import embedded_schedule  # noqa: E402 - needs the app loaded above

embedded_schedule.start()
