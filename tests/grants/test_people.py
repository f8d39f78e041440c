"""Units, owners, households, occupants and sensitive data."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import translation

from grants import services
from grants.crypto import decrypt, mask_id_number
from grants.exceptions import ConsentMissing, IdentityConflict, InvalidInput
from grants.models import Household, Occupant, Person, SensitiveRecord, Unit
from grants.selectors import (
    person_find_by_id_number,
    sensitive_data_read,
    unit_current_owners,
    unit_payable,
)
from grants.sensitive import HealthData, IncomeData, IncomeStatus
from tests.grants.factories import (
    PersonFactory,
    make_building,
    make_project,
    make_unit,
    resident_id,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


ID = "110101194503071237"  # a valid resident ID: born 1945-03-07


def test_resident_id_check_character_is_validated():
    with pytest.raises(InvalidInput) as caught:
        services.person_register(full_name="王芳", id_number=ID[:-1] + "9")

    assert set(caught.value.fields) == {"id_number"}
    assert Person.objects.count() == 0


def test_the_birth_date_comes_from_the_resident_id():
    person = services.person_register(full_name="王芳", id_number=ID)

    assert person.birth_date == dt.date(1945, 3, 7)
    assert person.id_number_masked == "1101********1237"


def test_a_birth_date_that_contradicts_the_id_is_refused():
    with pytest.raises(InvalidInput) as caught:
        services.person_register(full_name="王芳", id_number=ID, birth_date=dt.date(1946, 3, 7))

    assert caught.value.fields == {"birth_date": "the birth date does not match the ID number"}


def test_id_numbers_are_encrypted_at_rest():
    person = services.person_register(full_name="王芳", id_number=ID, phone="13912345678")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, id_number_hash, phone FROM grants_person WHERE id = %s", [person.pk]
        )
        stored_id, stored_hash, stored_phone = cursor.fetchone()
        cursor.execute("SELECT * FROM grants_person")
        everything = repr(cursor.fetchall())

    assert ID not in everything and "13912345678" not in everything
    assert stored_id.startswith("v1:") and stored_phone.startswith("v1:")
    assert decrypt(stored_id, context="grants.person.id_number") == ID
    assert len(stored_hash) == 64 and ID not in stored_hash
    assert Person.objects.get(pk=person.pk).id_number == ID


def test_the_same_id_number_finds_the_same_person():
    first = services.person_register(full_name="王芳", id_number=ID)
    again = services.person_register(full_name="王芳", id_number=ID[:6] + " " + ID[6:].lower())

    assert again.pk == first.pk
    assert person_find_by_id_number(id_number=ID) == first
    assert Person.objects.count() == 1


def test_the_same_id_number_under_another_name_is_a_conflict():
    services.person_register(full_name="王芳", id_number=ID)

    with pytest.raises(IdentityConflict) as caught:
        services.person_register(full_name="李明", id_number=ID)

    assert str(caught.value.message) == "this ID number is already registered for 王*"
    assert Person.objects.count() == 1


def test_a_ciphertext_copied_to_another_column_does_not_decrypt():
    person = services.person_register(full_name="王芳", id_number=ID, phone="13912345678")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE grants_person SET phone = id_number WHERE id = %s", [person.pk])

    with pytest.raises(ValueError):
        Person.objects.get(pk=person.pk)


def test_mask_keeps_four_and_four():
    assert mask_id_number("310101194501011234") == "3101********1234"


@pytest.mark.parametrize(
    ("floor", "area", "field"),
    [
        (0, "60", "floor"),
        (7, "60", "floor"),
        (2, "0", "exclusive_area"),
        (2, "-3", "exclusive_area"),
        (2, "60.123", "exclusive_area"),
        (2, "abc", "exclusive_area"),
        (2, "10000", "exclusive_area"),
    ],
)
def test_bad_unit_input_is_refused_and_nothing_is_created(floor, area, field):
    project = make_project(floors=6)

    with pytest.raises(InvalidInput) as caught:
        services.unit_create(project=project, label="x", floor=floor, exclusive_area=area, by=None)

    assert set(caught.value.fields) == {field}
    assert Unit.objects.count() == 0


def test_floor_out_of_range_says_the_range():
    project = make_project(floors=6)

    with pytest.raises(InvalidInput) as caught:
        services.unit_create(project=project, label="701", floor=7, exclusive_area="60", by=None)

    assert caught.value.fields["floor"] == "floor 7 is outside the building (floors 1 to 6)"


def test_area_is_stored_exactly():
    project = make_project()
    unit = make_unit(project, floor=3, area="75.32")

    assert Unit.objects.get(pk=unit.pk).exclusive_area == Decimal("75.32")


def test_a_change_of_owner_keeps_the_units_obligations():
    project = make_project()
    units = make_building(project, floors=(2, 3, 4), per_floor=1)
    services.costshare_compute(project=project, by=None, reason="plan")
    flat = units[1]
    seller = unit_current_owners(unit=flat)[0]
    owed = unit_payable(unit=flat)
    buyer = PersonFactory(full_name="新业主")

    services.owner_change(unit=flat, owners=[buyer], since=dt.date(2024, 6, 1), by=None)

    assert unit_current_owners(unit=flat) == [buyer]
    assert unit_payable(unit=flat) == owed > 0
    ended = flat.ownerships.get(person=seller)
    assert ended.until == dt.date(2024, 6, 1)


def test_an_owner_change_cannot_predate_the_current_owner():
    project = make_project()
    unit = make_unit(project, floor=2)

    with pytest.raises(InvalidInput) as caught:
        services.owner_change(
            unit=unit, owners=[PersonFactory()], since=dt.date(1999, 1, 1), by=None
        )

    assert "since" in caught.value.fields
    assert unit.ownerships.count() == 1


def test_occupants_need_a_birth_date():
    household = services.household_create(
        unit=make_unit(make_project(), floor=3), since=dt.date(2010, 1, 1), by=None
    )
    nobody = services.person_register(full_name="无证件")

    with pytest.raises(InvalidInput):
        services.occupant_add(
            household=household,
            person=nobody,
            relationship="self",
            since=dt.date(2010, 1, 1),
            by=None,
        )
    assert Occupant.objects.count() == 0


def test_one_person_lives_in_one_household_at_a_time():
    project = make_project()
    first = services.household_create(
        unit=make_unit(project, floor=2), since=dt.date(2010, 1, 1), by=None
    )
    second = services.household_create(
        unit=make_unit(project, floor=3), since=dt.date(2010, 1, 1), by=None
    )
    grandma = PersonFactory(birth_date=dt.date(1938, 2, 2))
    services.occupant_add(
        household=first, person=grandma, relationship="self", since=dt.date(2010, 1, 1), by=None
    )

    with pytest.raises(IdentityConflict):
        services.occupant_add(
            household=second,
            person=grandma,
            relationship="parent",
            since=dt.date(2011, 1, 1),
            by=None,
        )

    occupancy = first.occupants.get()
    services.occupant_remove(occupant=occupancy, until=dt.date(2012, 1, 1), by=None)
    services.occupant_add(
        household=second, person=grandma, relationship="parent", since=dt.date(2012, 1, 1), by=None
    )
    assert second.occupants.filter(until__isnull=True).count() == 1


def test_one_current_household_per_unit():
    unit = make_unit(make_project(), floor=2)
    household = services.household_create(unit=unit, since=dt.date(2010, 1, 1), by=None)

    with pytest.raises(InvalidInput):
        services.household_create(unit=unit, since=dt.date(2011, 1, 1), by=None)

    services.household_end(household=household, until=dt.date(2015, 1, 1), by=None)
    services.household_create(unit=unit, since=dt.date(2015, 1, 2), by=None)
    assert Household.objects.filter(unit=unit).count() == 2


def test_sensitive_data_cannot_be_written_or_read_without_consent():
    person = PersonFactory()

    with pytest.raises(ConsentMissing):
        services.sensitive_data_write(
            person=person, kind="health", data=HealthData(bedridden=True), by=None
        )
    with pytest.raises(ConsentMissing) as caught:
        sensitive_data_read(person=person, kind="health")

    assert "has not consented" in str(caught.value.message)
    assert SensitiveRecord.objects.count() == 0


def test_sensitive_data_with_consent_is_encrypted_and_readable():
    person = PersonFactory()
    services.sensitive_consent_record(
        person=person, kind="health", given_on=dt.date(2025, 1, 2), by=None
    )
    services.sensitive_data_write(
        person=person,
        kind="health",
        data=HealthData(disability_grade=2, cannot_use_stairs=True, notes="右腿截肢"),
        by=None,
    )

    view = sensitive_data_read(person=person, kind="health")
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload_encrypted FROM grants_sensitiverecord")
        (stored,) = cursor.fetchone()

    assert view.data == HealthData(disability_grade=2, cannot_use_stairs=True, notes="右腿截肢")
    assert "截肢" not in stored and "disability" not in stored
    # Income is a separate consent.
    with pytest.raises(ConsentMissing):
        sensitive_data_read(person=person, kind="income")


def test_masked_readers_learn_only_that_sensitive_data_exists():
    person = PersonFactory()
    services.sensitive_consent_record(
        person=person, kind="income", given_on=dt.date(2025, 1, 2), by=None
    )
    services.sensitive_data_write(
        person=person, kind="income", data=IncomeData(status=IncomeStatus.DIBAO), by=None
    )

    view = sensitive_data_read(person=person, kind="income", masked=True)

    assert (view.masked, view.data) == (True, None)


def test_withdrawing_consent_deletes_the_data_and_blocks_reading():
    person = PersonFactory()
    services.sensitive_consent_record(
        person=person, kind="health", given_on=dt.date(2025, 1, 2), by=None
    )
    services.sensitive_data_write(
        person=person, kind="health", data=HealthData(bedridden=True), by=None
    )

    services.sensitive_consent_withdraw(
        person=person, kind="health", withdrawn_on=dt.date(2025, 2, 1), by=None
    )

    assert SensitiveRecord.objects.count() == 0
    with pytest.raises(ConsentMissing):
        sensitive_data_read(person=person, kind="health")
    assert person.consents.get().withdrawn_on == dt.date(2025, 2, 1)


def test_factories_make_valid_distinct_ids():
    a, b = resident_id(dt.date(1940, 1, 1)), resident_id(dt.date(1940, 1, 1))
    assert a != b
    assert (
        services.person_register(full_name="甲", id_number=a).pk
        != services.person_register(full_name="乙", id_number=b).pk
    )
