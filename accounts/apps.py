from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Users, roles and API tokens"

    def ready(self):
        # signal receivers (lockout's before audit's, so a refused sign-in's record says whether
        # the account is now locked) and the OpenAPI auth extension
        from accounts import lockout  # noqa: F401, I001
        from accounts import audit, schema  # noqa: F401
