"""Screening households from the project file: each criterion at its boundary through the
ORM (the YAML cases cover the rules), stored decisions, re-screening and its report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from config.roles import Role
from grants import services
from grants.eligibility import replay_differences
from grants.exceptions import InvalidInput, NotAllowed
from grants.models import Assessment, EligibilityPolicy, ScreeningRun, ScreeningTrigger
from grants.selectors_eligibility import (
    assessment_current,
    assessment_explain,
    assessment_snapshot,
)
from grants.sensitive import IncomeData, IncomeStatus
from grants.services.eligibility import household_screen, policy_version_create
from grants.services.screening import policy_versions_activate
from tests.factories import user_with_role
from tests.grants.factories import PersonFactory
from tests.grants.factories_eligibility import (
    OLD,
    household_in,
    policy_version,
    screenable_project,
    unit_on,
)

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 6, 1)


def test_turning_80_on_the_reference_date_is_eligible_a_day_younger_is_not():
    project = screenable_project()
    turns_80 = household_in(unit_on(project, 4), [("张阿姨", dt.date(1946, 6, 1), "self")])
    turns_80_tomorrow = household_in(unit_on(project, 5), [("李伯", dt.date(1946, 6, 2), "self")])

    eighty = household_screen(household=turns_80, reference_date=ON)
    seventy_nine = household_screen(household=turns_80_tomorrow, reference_date=ON)

    assert eighty.outcome == "eligible"
    assert seventy_nine.outcome == "not_eligible"
    advanced = {r["code"]: r for r in seventy_nine.results}["advanced_age"]
    assert (advanced["passed"], advanced["value"], advanced["threshold"]) == (False, 79, 80)
    explained = assessment_explain(assessment=seventy_nine).result("advanced_age")
    assert explained.sentence("en") == "李伯 is 79 (>= 80): fail"


def test_a_co_resident_of_59_fails_all_elderly():
    project = screenable_project()
    household = household_in(
        unit_on(project, 3),
        [("王奶奶", dt.date(1940, 1, 1), "self"), ("王小", dt.date(1966, 6, 2), "spouse")],
    )

    assessment = household_screen(household=household, reference_date=ON)

    result = {r["code"]: r for r in assessment.results}["all_elderly"]
    assert assessment.outcome == "not_eligible"
    assert (result["passed"], result["value"], result["subject"]) == (False, 59, "王小")


def test_floor_1_fails_and_floor_2_passes():
    project = screenable_project()
    ground = household_in(unit_on(project, 1))
    second = household_in(unit_on(project, 2))

    on_1 = household_screen(household=ground, reference_date=ON)
    on_2 = household_screen(household=second, reference_date=ON)

    assert (on_1.outcome, on_2.outcome) == ("not_eligible", "eligible")
    assert {r["code"]: r["value"] for r in on_1.results}["floor"] == 1


def test_stage_passes_once_the_plan_consultation_passed_even_before_the_notice():
    from tests.grants.factories import hold_consultation

    project = screenable_project(stage="plan_consultation")
    household = household_in(unit_on(project, 5))
    before = household_screen(household=household, reference_date=ON)

    hold_consultation(project, "plan")
    after = household_screen(household=household, reference_date=ON)

    stage_before = {r["code"]: r for r in before.results}["project_stage"]
    stage_after = {r["code"]: r for r in after.results}["project_stage"]
    assert (stage_before["passed"], stage_before["value"]) == (False, "plan_consultation")
    assert (stage_after["passed"], stage_after["value"]) == (True, "plan_consultation_passed")


def test_opt_out_and_second_home_fail():
    project = screenable_project()
    services.unit_cost_role_set(unit=unit_on(project, 6), role="opt_out", by=None)
    opt_out = household_in(unit_on(project, 6))
    second_home = household_in(unit_on(project, 5), primary=False)

    a = household_screen(household=opt_out, reference_date=ON)
    b = household_screen(household=second_home, reference_date=ON)

    assert [r["code"] for r in a.results if r["passed"] is False] == ["contributor"]
    assert [r["code"] for r in b.results if r["passed"] is False] == ["primary_residence"]


def test_missing_consent_needs_information_and_says_what():
    project = screenable_project()
    household = household_in(unit_on(project, 5), consent=False)

    assessment = household_screen(household=household, reference_date=ON)

    assert assessment.outcome == "needs_information"
    assert assessment.missing == ["consents:personal_data"]


def test_income_rule_reads_income_only_with_the_persons_consent():
    policy_version(dt.date(2025, 1, 1), dibao_line_minor=150_000, income_multiple_max="1.5")
    project = screenable_project()
    household = household_in(unit_on(project, 5))
    person = household.occupants.get().person

    without = household_screen(household=household, reference_date=ON)
    services.sensitive_consent_record(person=person, kind="income", given_on=ON, by=None)
    services.sensitive_data_write(
        person=person,
        kind="income",
        data=IncomeData(status=IncomeStatus.NEAR_DIBAO, monthly_income_per_person_minor=225_000),
        by=None,
    )
    with_consent = household_screen(household=household, reference_date=ON)

    assert without.outcome == "needs_information"
    assert without.missing == ["monthly_income_per_person_fen"]
    income = {r["code"]: r for r in with_consent.results}["income"]
    assert (with_consent.outcome, income["value"], income["passed"]) == ("eligible", 225_000, True)


def test_the_stored_decision_replays_identically_and_names_its_version():
    project = screenable_project()
    household = household_in(unit_on(project, 5))

    assessment = household_screen(household=household, reference_date=ON)

    assert assessment.policy_version.number == 1
    assert assessment.inputs["facts"]["floor"] == 5
    assert replay_differences(assessment_snapshot(assessment=assessment)) == []


def test_auditors_see_masked_names_in_the_sentences():
    project = screenable_project()
    household = household_in(unit_on(project, 5), [("张秀英", dt.date(1940, 6, 1), "self")])
    assessment = household_screen(household=household, reference_date=ON)

    masked = assessment_explain(assessment=assessment, masked=True).result("advanced_age")

    assert masked.sentence("en") == "张** is 86 (>= 80): pass"
    assert masked.sentence("zh-hans") == "张** 86岁（≥80）：通过"


def test_screening_again_makes_the_previous_decision_stale():
    project = screenable_project()
    household = household_in(unit_on(project, 5))
    first = household_screen(household=household, reference_date=ON)

    second = household_screen(household=household, reference_date=ON)

    first.refresh_from_db()
    assert (first.stale, second.stale) == (True, False)
    assert second.previous_outcome == "eligible"
    assert assessment_current(household=household, project=project) == second


def test_a_policy_change_flips_an_outcome_and_the_rescreen_reports_it(
    django_capture_on_commit_callbacks,
):
    project = screenable_project()
    seventy_seven = timezone.localdate().replace(
        year=timezone.localdate().year - 77
    ) - dt.timedelta(days=1)
    household = household_in(unit_on(project, 5), [("赵伯", seventy_seven, "self")])
    other = household_in(unit_on(project, 4))
    before = household_screen(household=household)
    household_screen(household=other)
    version = policy_version(timezone.localdate(), advanced_age=75)

    with django_capture_on_commit_callbacks(execute=True):
        (run,) = policy_versions_activate()

    run.refresh_from_db()
    before.refresh_from_db()
    assert (run.trigger, run.status, run.total, run.done) == ("policy_version", "done", 2, 2)
    assert run.changed == 1
    assert run.changes == [
        {
            "household": household.pk,
            "project": project.pk,
            "project_reference": project.reference,
            "unit": unit_on(project, 5).label,
            "assessment": run.assessments.get(household=household).pk,
            "before": "not_eligible",
            "after": "eligible",
        }
    ]
    # The old decision is kept as it was, under its own version, only marked stale.
    assert (before.outcome, before.policy_version.number, before.stale) == (
        "not_eligible",
        1,
        True,
    )
    assert assessment_current(household=household, project=project).policy_version == version
    assert policy_versions_activate() == []  # once per version


def test_a_household_change_is_rescreened_after_the_commit(django_capture_on_commit_callbacks):
    project = screenable_project()
    household = household_in(unit_on(project, 5))
    household_screen(household=household)
    son = PersonFactory(full_name="儿子", birth_date=dt.date(1980, 2, 2))

    with django_capture_on_commit_callbacks(execute=True):
        services.occupant_add(
            household=household, person=son, relationship="child", since=OLD, by=None
        )

    run = ScreeningRun.objects.get(trigger=ScreeningTrigger.HOUSEHOLD_CHANGE)
    current = assessment_current(household=household, project=project)
    assert (current.outcome, current.previous_outcome) == ("not_eligible", "eligible")
    assert [(c["household"], c["after"]) for c in run.changes] == [(household.pk, "not_eligible")]


def test_screen_households_command_screens_a_project_with_progress():
    project = screenable_project()
    for floor in (1, 3, 5):
        household_in(unit_on(project, floor))
    elsewhere = screenable_project()
    household_in(unit_on(elsewhere, 2))

    call_command("screen_households", "--project", str(project.pk), stdout=None)

    run = ScreeningRun.objects.get(trigger=ScreeningTrigger.COMMAND)
    assert (run.status, run.total, run.done, run.changed) == ("done", 3, 3, 0)
    outcomes = sorted(
        Assessment.objects.filter(project=project).values_list("household__unit__floor", "outcome")
    )
    assert outcomes == [(1, "not_eligible"), (3, "eligible"), (5, "eligible")]
    assert not Assessment.objects.filter(project=elsewhere).exists()
    # The batch path stores the same replayable decisions as the single one.
    for stored in Assessment.objects.filter(project=project):
        assert replay_differences(assessment_snapshot(assessment=stored)) == []
        assert stored.screening_run == run


def test_only_administrators_create_policy_versions_and_never_in_the_past():
    policy = EligibilityPolicy.objects.get(is_default=True)
    caseworker = user_with_role(Role.CASEWORKER)
    admin = user_with_role(Role.ADMINISTRATOR)
    params = dict(policy.versions.get(number=1).parameters)

    with pytest.raises(NotAllowed):
        policy_version_create(
            policy=policy, effective_from=timezone.localdate(), parameters=params, by=caseworker
        )
    with pytest.raises(InvalidInput):
        policy_version_create(
            policy=policy,
            effective_from=timezone.localdate() - dt.timedelta(days=1),
            parameters=params,
            by=admin,
        )
    assert policy.versions.count() == 1


def test_a_new_version_is_dry_run_against_the_cases_and_the_households():
    project = screenable_project()
    household = household_in(unit_on(project, 2))
    policy = EligibilityPolicy.objects.get(is_default=True)
    admin = user_with_role(Role.ADMINISTRATOR)
    params = {**policy.versions.get(number=1).parameters, "min_floor": 3}

    version = policy_version_create(
        policy=policy,
        effective_from=timezone.localdate() + dt.timedelta(days=30),
        parameters=params,
        reason="只补贴三楼及以上",
        by=admin,
    )

    assert (version.number, version.parameters["min_floor"]) == (2, 3)
    assert version.dry_run["households"] == 1
    assert [(c["household_id"], c["before"], c["after"]) for c in version.dry_run["changes"]] == [
        (household.pk, "eligible", "not_eligible")
    ]
    assert version.dry_run["cases_failed"]  # the floor-2 boundary cases now break
    assert all("floor" in name for name in version.dry_run["cases_failed"])
