from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Users, roles and API tokens"

    def ready(self):
        from accounts import lockout, schema  # noqa: F401 - lockout's signal receivers; the OpenAPI auth extension
