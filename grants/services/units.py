"""Writers of units, people, ownership, households, occupants and sensitive data."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from grants.crypto import (
    encrypt,
    mask_name,
    normalise_id_number,
    resident_id_birth_date,
    resident_id_is_valid,
)
from grants.exceptions import ConsentMissing, IdentityConflict, InvalidInput
from grants.models import (
    Household,
    IdType,
    Occupant,
    Ownership,
    Person,
    PersonKind,
    Project,
    ProjectDocument,
    Relationship,
    SensitiveDataConsent,
    SensitiveKind,
    SensitiveRecord,
    Sex,
    Unit,
)
from grants.selectors import (
    CONSENT_REQUIRED,
    SENSITIVE_CONTEXT,
    id_number_hash,
    person_current_residence,
    sensitive_consent_active,
    today,
)
from grants.sensitive import HealthData, IncomeData
from grants.services.screening import household_changed, person_changed, unit_changed

INVALID_RESIDENT_ID = _(
    "not a valid resident ID number (18 characters, a real birth date, a correct check character)"
)
INVALID_OTHER_ID = _("an ID number has 5 to 30 letters or digits")
BIRTH_DATE_MISMATCH = _("the birth date does not match the ID number")
IDENTITY_TAKEN = _("this ID number is already registered for %(name)s")
NAME_REQUIRED = _("a name is required")
FLOOR_OUT_OF_RANGE = _("floor %(floor)s is outside the building (floors 1 to %(floors)s)")
AREA_INVALID = _(
    "the exclusive area must be a number of m² between 0.01 and 9999.99 with at most 2 decimals"
)
LABEL_TAKEN = _("unit %(label)s already exists in this project")
LABEL_REQUIRED = _("a unit number is required")
SHOP_NOT_GROUND = _("only ground-floor units of a project with shops can be shops")
NOT_EDITABLE = _("these fields cannot be changed here: %(fields)s")
AGREED_NEGATIVE = _("the agreed share must be zero or more (in fen)")
NO_OWNERS = _("give at least one owner")
OWNER_TWICE = _("the same person is listed twice")
DATE_IN_FUTURE = _("the date cannot be in the future")
DATE_BEFORE_START = _("the date is before %(date)s, when the current record started")
HOUSEHOLD_EXISTS = _("unit %(unit)s already has a current household; end it first")
HOUSEHOLD_ENDED = _("this household has ended")
BIRTH_DATE_NEEDED = _("an occupant needs a birth date (or a resident ID number)")
LIVES_ELSEWHERE = _("%(name)s already lives in unit %(unit)s of project %(project)s")
ALREADY_HERE = _("%(name)s already lives in this household")
SECOND_HOUSEHOLDER = _("this household already has a householder")
UNKNOWN_CHOICE = _("unknown value %(value)s")
ALREADY_ENDED = _("already ended")
NO_ACTIVE_CONSENT = _("no active consent of this kind to withdraw")
WRONG_DATA_SHAPE = _("the data does not fit this kind")
FOREIGN_DOCUMENT = _("the document belongs to another project")
PERSON_ONE_OF = _("give either person_id (someone on file) or person (to register), not both")

MAX_AREA = Decimal("9999.99")
_OTHER_ID = re.compile(r"^[A-Z0-9]{5,30}$")


def _field_error(name: str, message: Any) -> InvalidInput:
    return InvalidInput(f"{name}: {message}", fields={name: str(message)})


def _not_future(name: str, value: dt.date) -> None:
    if value > today():
        raise _field_error(name, DATE_IN_FUTURE)


# --- people --------------------------------------------------------------------------------


@transaction.atomic
def person_register(
    *,
    full_name: str,
    id_number: str = "",
    id_type: str = "",
    birth_date: dt.date | None = None,
    sex: str = "",
    phone: str = "",
    kind: str = PersonKind.INDIVIDUAL,
) -> Person:
    """Register a person, or return the one already registered with this ID number.

    The ID number is validated (resident IDs: birth date and check character), stored
    encrypted, and looked up by its keyed hash; the same number under another name is an
    ``IdentityConflict`` (shown with the other name masked).
    """
    full_name = (full_name or "").strip()
    if not full_name:
        raise _field_error("full_name", NAME_REQUIRED)
    if sex and sex not in Sex.values:
        raise _field_error("sex", UNKNOWN_CHOICE % {"value": sex})
    if kind not in PersonKind.values:
        raise _field_error("kind", UNKNOWN_CHOICE % {"value": kind})
    number = normalise_id_number(id_number)
    digest = None
    if number:
        id_type = id_type or (IdType.RESIDENT_ID if len(number) == 18 else IdType.OTHER)
        if id_type not in IdType.values:
            raise _field_error("id_type", UNKNOWN_CHOICE % {"value": id_type})
        if id_type == IdType.RESIDENT_ID:
            if not resident_id_is_valid(number):
                raise _field_error("id_number", INVALID_RESIDENT_ID)
            encoded = resident_id_birth_date(number)
            if birth_date is not None and birth_date != encoded:
                raise _field_error("birth_date", BIRTH_DATE_MISMATCH)
            birth_date = encoded
        elif not _OTHER_ID.match(number):
            raise _field_error("id_number", INVALID_OTHER_ID)
        digest = id_number_hash(number)
        existing = Person.objects.select_for_update().filter(id_number_hash=digest).first()
        if existing is not None:
            if existing.full_name != full_name:
                raise IdentityConflict(
                    IDENTITY_TAKEN % {"name": mask_name(existing.full_name)},
                    fields={
                        "id_number": str(IDENTITY_TAKEN % {"name": mask_name(existing.full_name)})
                    },
                )
            changed = []
            for name, value in (("birth_date", birth_date), ("sex", sex), ("phone", phone)):
                if value and not getattr(existing, name):
                    setattr(existing, name, value)
                    changed.append(name)
            if changed:
                existing.save(update_fields=changed)
            return existing
    if birth_date is not None:
        _not_future("birth_date", birth_date)
    return Person.objects.create(
        kind=kind,
        full_name=full_name,
        id_type=id_type if number else "",
        id_number=number,
        id_number_hash=digest,
        birth_date=birth_date,
        sex=sex,
        phone=(phone or "").strip(),
    )


# --- units and ownership -------------------------------------------------------------------


def parse_area(value: Any) -> Decimal:
    """m² from a string or number: positive, at most 2 decimals, below 10,000 m²."""
    try:
        area = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise _field_error("exclusive_area", AREA_INVALID) from None
    if (
        not area.is_finite()
        or area <= 0
        or area > MAX_AREA
        or area != area.quantize(Decimal("0.01"))
        or isinstance(value, float)
    ):
        raise _field_error("exclusive_area", AREA_INVALID)
    return area.quantize(Decimal("0.01"))


def _check_floor(project: Project, floor: Any) -> int:
    if not isinstance(floor, int) or isinstance(floor, bool) or not 1 <= floor <= project.floors:
        raise _field_error("floor", FLOOR_OUT_OF_RANGE % {"floor": floor, "floors": project.floors})
    return floor


@transaction.atomic
def unit_create(
    *,
    project: Project,
    label: str,
    floor: int,
    exclusive_area: Decimal | str,
    by: User | None,
    is_shop: bool = False,
    exclusive_part_used: bool = False,
    agreed_share_minor: int | None = None,
) -> Unit:
    label = (label or "").strip()
    if not label:
        raise _field_error("label", LABEL_REQUIRED)
    floor = _check_floor(project, floor)
    area = parse_area(exclusive_area)
    if is_shop and (floor != 1 or not project.ground_floor_shops):
        raise _field_error("is_shop", SHOP_NOT_GROUND)
    if agreed_share_minor is not None and (
        not isinstance(agreed_share_minor, int) or agreed_share_minor < 0
    ):
        raise _field_error("agreed_share_minor", AGREED_NEGATIVE)
    if project.units.filter(label=label).exists():
        raise _field_error("label", LABEL_TAKEN % {"label": label})
    return Unit.objects.create(
        project=project,
        label=label,
        floor=floor,
        exclusive_area=area,
        is_shop=is_shop,
        exclusive_part_used=exclusive_part_used,
        agreed_share_minor=agreed_share_minor,
    )


UNIT_EDITABLE = {"floor", "exclusive_area", "is_shop", "exclusive_part_used", "agreed_share_minor"}


@transaction.atomic
def unit_update(*, unit: Unit, by: User | None, changes: Mapping[str, Any]) -> Unit:
    """Correct a unit's register data. Its obligations are recomputed only on request
    (``costshare_compute``), so a correction is visible as a new version."""
    unit = Unit.objects.select_for_update().select_related("project").get(pk=unit.pk)
    unknown = sorted(set(changes) - UNIT_EDITABLE)
    if unknown:
        raise InvalidInput(
            NOT_EDITABLE % {"fields": ", ".join(unknown)}, fields=dict.fromkeys(unknown, "")
        )
    if "floor" in changes:
        unit.floor = _check_floor(unit.project, changes["floor"])
    if "exclusive_area" in changes:
        unit.exclusive_area = parse_area(changes["exclusive_area"])
    if "exclusive_part_used" in changes:
        unit.exclusive_part_used = bool(changes["exclusive_part_used"])
    if "is_shop" in changes:
        unit.is_shop = bool(changes["is_shop"])
    if unit.is_shop and (unit.floor != 1 or not unit.project.ground_floor_shops):
        raise _field_error("is_shop", SHOP_NOT_GROUND)
    if "agreed_share_minor" in changes:
        agreed = changes["agreed_share_minor"]
        if agreed is not None and (not isinstance(agreed, int) or agreed < 0):
            raise _field_error("agreed_share_minor", AGREED_NEGATIVE)
        unit.agreed_share_minor = agreed
    unit._change_reason = "unit_update"  # type: ignore[attr-defined]
    unit.save()
    unit_changed(unit=unit)
    return unit


@transaction.atomic
def owner_change(
    *, unit: Unit, owners: Sequence[Person], since: dt.date, by: User | None
) -> list[Ownership]:
    """Record the owners on the property register from ``since`` (a sale, an inheritance,
    or the first recording). Ownerships of people no longer listed end that day. The unit's
    obligations (cost shares, entry price, volunteer payments) stay with the unit."""
    if not owners:
        raise _field_error("owners", NO_OWNERS)
    if len({p.pk for p in owners}) != len(owners):
        raise _field_error("owners", OWNER_TWICE)
    _not_future("since", since)
    current = list(unit.ownerships.select_for_update().filter(until__isnull=True))
    latest_start = max((o.since for o in current), default=None)
    if latest_start is not None and since < latest_start:
        raise _field_error("since", DATE_BEFORE_START % {"date": latest_start.isoformat()})
    wanted = {p.pk for p in owners}
    for ownership in current:
        if ownership.person_id not in wanted:
            ownership.until = since
            ownership.save(update_fields=["until"])
    kept = {o.person_id for o in current if o.person_id in wanted}
    for person in owners:
        if person.pk not in kept:
            Ownership.objects.create(unit=unit, person=person, since=since)
    return list(unit.ownerships.filter(until__isnull=True).select_related("person"))


# --- households and occupants --------------------------------------------------------------


@transaction.atomic
def household_create(
    *,
    unit: Unit,
    since: dt.date,
    by: User | None,
    is_primary_residence: bool = True,
    note: str = "",
) -> Household:
    _not_future("since", since)
    if unit.households.filter(until__isnull=True).exists():
        raise _field_error("unit", HOUSEHOLD_EXISTS % {"unit": unit.label})
    household = Household.objects.create(
        unit=unit, since=since, is_primary_residence=is_primary_residence, note=note
    )
    household_changed(household=household)
    return household


@transaction.atomic
def household_update(
    *,
    household: Household,
    by: User | None,
    is_primary_residence: bool | None = None,
    note: str | None = None,
) -> Household:
    if household.until is not None:
        raise _field_error("household", HOUSEHOLD_ENDED)
    if is_primary_residence is not None:
        household.is_primary_residence = is_primary_residence
    if note is not None:
        household.note = note
    household.save(update_fields=["is_primary_residence", "note"])
    household_changed(household=household)
    return household


@transaction.atomic
def household_end(*, household: Household, until: dt.date, by: User | None) -> Household:
    """The household moved out: it and its current occupants end on ``until``."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.until is not None:
        raise _field_error("household", HOUSEHOLD_ENDED)
    _not_future("until", until)
    if until < household.since:
        raise _field_error("until", DATE_BEFORE_START % {"date": household.since.isoformat()})
    household.occupants.filter(until__isnull=True).update(until=until)
    household.until = until
    household.save(update_fields=["until"])
    household_changed(household=household)
    return household


@transaction.atomic
def occupant_add(
    *,
    household: Household,
    person: Person,
    relationship: str,
    since: dt.date,
    by: User | None,
) -> Occupant:
    """Someone lives in the household. A person lives in one household at a time (the
    keyed ID hash makes the same person the same row), and needs a birth date: ages are
    computed from it, never stored."""
    if household.until is not None:
        raise _field_error("household", HOUSEHOLD_ENDED)
    if relationship not in Relationship.values:
        raise _field_error("relationship", UNKNOWN_CHOICE % {"value": relationship})
    if person.birth_date is None:
        raise _field_error("birth_date", BIRTH_DATE_NEEDED)
    _not_future("since", since)
    if household.occupants.filter(person=person, until__isnull=True).exists():
        raise IdentityConflict(
            ALREADY_HERE % {"name": person.name_masked}, fields={"person": person.pk}
        )
    elsewhere = person_current_residence(person=person, exclude=household)
    if elsewhere is not None:
        unit = elsewhere.household.unit
        message = LIVES_ELSEWHERE % {
            "name": person.name_masked,
            "unit": unit.label,
            "project": unit.project.reference,
        }
        raise IdentityConflict(message, fields={"person": str(message)})
    if (
        relationship == Relationship.SELF
        and household.occupants.filter(relationship=Relationship.SELF, until__isnull=True).exists()
    ):
        raise _field_error("relationship", SECOND_HOUSEHOLDER)
    occupant = Occupant.objects.create(
        household=household, person=person, relationship=relationship, since=since
    )
    household_changed(household=household)
    return occupant


@transaction.atomic
def occupant_remove(*, occupant: Occupant, until: dt.date, by: User | None) -> Occupant:
    """The person moved out (or died): the occupancy ends, the history stays."""
    if occupant.until is not None:
        raise _field_error("until", ALREADY_ENDED)
    _not_future("until", until)
    if until < occupant.since:
        raise _field_error("until", DATE_BEFORE_START % {"date": occupant.since.isoformat()})
    occupant.until = until
    occupant.save(update_fields=["until"])
    household_changed(household=occupant.household)
    return occupant


# --- sensitive data ------------------------------------------------------------------------


def _kind(kind: str) -> SensitiveKind:
    if kind not in SensitiveKind.values:
        raise _field_error("kind", UNKNOWN_CHOICE % {"value": kind})
    return SensitiveKind(kind)


@transaction.atomic
def sensitive_consent_record(
    *,
    person: Person,
    kind: str,
    given_on: dt.date,
    by: User | None,
    evidence_note: str = "",
    evidence_document: ProjectDocument | None = None,
) -> SensitiveDataConsent:
    """Record the person's separate consent for one kind of sensitive data. Idempotent:
    an active consent of that kind is returned as it is."""
    _kind(kind)
    _not_future("given_on", given_on)
    active = sensitive_consent_active(person=person, kind=kind)
    if active is not None:
        return active
    consent = SensitiveDataConsent.objects.create(
        person=person,
        kind=kind,
        given_on=given_on,
        evidence_note=evidence_note,
        evidence_document=evidence_document,
        recorded_by=by,
    )
    person_changed(person=person)
    return consent


@transaction.atomic
def sensitive_consent_withdraw(
    *, person: Person, kind: str, withdrawn_on: dt.date, by: User | None
) -> SensitiveDataConsent:
    """Withdrawal stops the processing: the data of that kind is deleted (PIPL art. 47);
    the consent row stays as the record of what was allowed when."""
    _kind(kind)
    active = sensitive_consent_active(person=person, kind=kind)
    if active is None:
        raise _field_error("kind", NO_ACTIVE_CONSENT)
    active.withdrawn_on = withdrawn_on
    active.save(update_fields=["withdrawn_on"])
    SensitiveRecord.objects.filter(person=person, kind=kind).delete()
    person_changed(person=person)
    return active


@transaction.atomic
def sensitive_data_write(
    *,
    person: Person,
    kind: str,
    data: HealthData | IncomeData,
    by: User | None,
) -> SensitiveRecord:
    """Store one kind of sensitive data, encrypted. Refused without the person's consent."""
    kind_value = _kind(kind)
    if sensitive_consent_active(person=person, kind=kind) is None:
        raise ConsentMissing(
            CONSENT_REQUIRED % {"person": person.name_masked, "kind": kind_value.label.lower()},
            fields={"kind": kind},
        )
    expected = HealthData if kind_value == SensitiveKind.HEALTH else IncomeData
    if not isinstance(data, expected):
        raise _field_error("data", WRONG_DATA_SHAPE)
    if isinstance(data, HealthData) and data.disability_grade not in (None, 1, 2, 3, 4):
        raise _field_error("disability_grade", UNKNOWN_CHOICE % {"value": data.disability_grade})
    token = encrypt(json.dumps(data.to_json(), sort_keys=True), context=SENSITIVE_CONTEXT)
    record, _created = SensitiveRecord.objects.update_or_create(
        person=person, kind=kind, defaults={"payload_encrypted": token, "updated_by": by}
    )
    person_changed(person=person)
    return record
