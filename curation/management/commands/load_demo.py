from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import module_has_submodule


class Command(BaseCommand):
    help = (
        "Load a believable demo programme: channels, topics, content items, placements and one "
        "curator of each role. Safe to run again. Each app contributes through its own demo.py, "
        "in the order of INSTALLED_APPS."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even with DEBUG off (demo logins have a published password).",
        )

    def handle(self, *args: object, force: bool = False, **options: object) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load demo data with DEBUG off: its curator logins have a published "
                "password. Pass --force on a throwaway deployment."
            )
        for app_config in apps.get_app_configs():
            if module_has_submodule(app_config.module, "demo"):
                import_module(f"{app_config.name}.demo").load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
