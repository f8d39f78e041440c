from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _install_roles(sender: AppConfig, **kwargs: object) -> None:
    from api.roles_setup import roles_install

    roles_install(using=str(kwargs.get("using", "default")))


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        # Roles are (re)installed after every migrate, once all permissions exist.
        post_migrate.connect(_install_roles, sender=self, dispatch_uid="liftfund_roles")
