import pytest
from django.core.management import call_command

from grants.models import Lifecycle, SubsidyPreset


@pytest.mark.django_db(transaction=True)
def test_default_lifecycle_and_presets_survive_a_database_flush():
    # given a database emptied the way test cleanup and `manage.py flush` do
    call_command("flush", interactive=False, verbosity=0)

    # then the default lifecycle and the city presets are back
    lifecycle = Lifecycle.objects.get(code="default")
    assert lifecycle.steps.count() == 10
    assert set(SubsidyPreset.objects.values_list("city_code", flat=True)) == {
        "shanghai",
        "beijing",
        "hangzhou",
        "tianjin",
        "chongqing",
    }
