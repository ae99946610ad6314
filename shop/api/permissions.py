"""Who may use the staff endpoints."""
from __future__ import annotations

from rest_framework.permissions import BasePermission


class IsStaff(BasePermission):
    """Signed-in staff only. An anonymous caller gets a 401 (with a Token challenge), a shopper a 403."""

    message = "Only staff can use this endpoint."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)
