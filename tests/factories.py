"""Users with roles. Per-app factories live in tests/<app>/factories.py."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from config.roles import STAFF_ROLES, Role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    first_name = "测试"
    last_name = "用户"
    password = factory.PostGenerationMethodCall("set_password", "pw-test-123")

    @factory.post_generation
    def role(self, create: bool, extracted: Role | None, **kwargs: object) -> None:
        if not create or extracted is None:
            return
        self.groups.add(Group.objects.get(name=Role(extracted).value))
        self.is_staff = extracted in STAFF_ROLES
        self.is_superuser = extracted == Role.ADMINISTRATOR
        self.save()


def user_with_role(role: Role, **kwargs: object):  # type: ignore[no-untyped-def]
    return UserFactory(role=role, **kwargs)
