"""Who may call what. Model permissions come from the role groups (config.roles)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission, DjangoModelPermissions

from config.roles import Role, has_role, is_staff_member


class IsStaffRole(BasePermission):
    """Any of the five staff roles. The default for every endpoint."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return is_staff_member(request.user)


class IsDonor(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return has_role(request.user, Role.DONOR)


class StaffModelPermissions(DjangoModelPermissions):
    """Staff role, then the model permission for the method; reads need ``view_``.

    Auditors hold only ``view_`` permissions, so every write is refused for them.
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request: Any, view: Any) -> bool:
        return is_staff_member(request.user) and super().has_permission(request, view)


class ReadOnly(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return request.method in SAFE_METHODS


def require_perm(codename: str) -> type[BasePermission]:
    """A permission class requiring one ``app_label.codename`` permission (staff only)."""

    class _Required(BasePermission):
        def has_permission(self, request: Any, view: Any) -> bool:
            return is_staff_member(request.user) and request.user.has_perm(codename)

    _Required.__name__ = f"Requires_{codename.replace('.', '_')}"
    return _Required
