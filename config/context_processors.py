from django.conf import settings
from django.http import HttpRequest


def programme(request: HttpRequest) -> dict[str, str]:
    return {"programme_name": settings.PROGRAMME_NAME}
