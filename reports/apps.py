from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports and audit")

    def ready(self) -> None:
        from reports import history, retention

        # Where each change came from (request IP, path), recorded beside every history row.
        history.origin_recording_connect()
        # Nothing financial is ever hard-deleted (DOMAIN §8): refuse deletes in every admin
        # of a financial model, whoever registered it.
        retention.admin_deletes_refuse()
