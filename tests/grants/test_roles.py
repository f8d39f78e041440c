"""Grants permissions per role (config.roles patterns resolved against grants models)."""

import pytest

from config.roles import Role
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_caseworkers_edit_project_files_but_not_policy_data():
    user = user_with_role(Role.CASEWORKER)

    assert user.has_perm("grants.add_project")
    assert user.has_perm("grants.add_vote")
    assert user.has_perm("grants.change_sensitiverecord")
    assert not user.has_perm("grants.change_subsidypreset")
    assert not user.has_perm("grants.add_lifecyclestep")
    assert not user.has_perm("grants.change_stepdocumentrequirement")
    assert user.has_perm("grants.view_subsidypreset")
    assert user.has_perm("grants.view_lifecycle")


def test_auditors_only_view_grants():
    user = user_with_role(Role.AUDITOR)

    assert user.has_perm("grants.view_project") and user.has_perm("grants.view_person")
    assert not user.has_perm("grants.add_project")
    assert not user.has_perm("grants.change_sensitiverecord")


def test_administrators_edit_policy_data():
    user = user_with_role(Role.ADMINISTRATOR)

    assert user.has_perm("grants.change_subsidypreset")
    assert user.has_perm("grants.change_lifecyclestep")
