from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _defaults_install(sender: AppConfig, **kwargs: object) -> None:
    """Put back the default lifecycle and city presets when none exist.

    Migration 0002 seeds them once; a database flush (a test case's cleanup, ``manage.py
    flush``) empties them again, and Django re-runs post_migrate after a flush. Installing only
    when the tables are empty never fights an administrator's edits.
    """
    import importlib

    from django.apps import apps

    using = str(kwargs.get("using", "default"))
    Lifecycle = apps.get_model("grants", "Lifecycle")
    Preset = apps.get_model("grants", "SubsidyPreset")
    if Lifecycle.objects.using(using).exists() and Preset.objects.using(using).exists():
        return
    seed = importlib.import_module("grants.migrations.0002_default_lifecycle_and_subsidy_presets")
    seed.seed(apps, None)


class GrantsConfig(AppConfig):
    name = "grants"
    verbose_name = _("Lift projects and subsidies")

    def ready(self) -> None:
        post_migrate.connect(
            _defaults_install, sender=self, dispatch_uid="liftfund_grants_defaults"
        )
