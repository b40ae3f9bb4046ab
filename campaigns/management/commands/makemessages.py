"""Django's makemessages, knowing which of our files employees read (issue 16).

The curators' pages are written in English only (config.middleware.EmployeeLanguageMiddleware keeps
them so), and tests and benchmarks are not shipped: none of their strings belongs in the catalogues.
`python manage.py makemessages -l fr -l ar` then extracts just the employee-facing strings, and the
catalogue test (tests/test_catalogues.py) runs this same command to see nothing is left untranslated.
"""

from __future__ import annotations

from django.core.management.commands import makemessages

NOT_FOR_EMPLOYEES = [
    "tests",
    "benchmarks",
    "staticfiles",
    "templates/admin",
    "templates/account",
    "templates/allauth",
    "templates/quiz",
]


class Command(makemessages.Command):
    def handle(self, *args: object, **options: object) -> None:
        options["ignore_patterns"] = [*options["ignore_patterns"], *NOT_FOR_EMPLOYEES]
        # Locations by file only, so a line moved in a template does not rewrite the catalogue.
        if options.get("add_location") is None:
            options["add_location"] = "file"
        super().handle(*args, **options)
