from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Curators' sign-in: allauth's adapters, the IdP's group mapping and the sign-in audit."""

    name = "accounts"
    verbose_name = "Curator sign-in"

    def ready(self) -> None:
        from accounts import receivers  # noqa: F401  (connects the audit to allauth's signals)
