"""Who may use the staff endpoints: the same Django model permissions the admin asks for."""
from __future__ import annotations

from django.db.models import Model
from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissions


class StaffModelPermissions(DjangoModelPermissions):
    """Active staff holding the Django permission the admin would ask for, and nothing less.

    - Reading (GET, HEAD, OPTIONS) needs the model's ``view`` or ``change`` permission, as the
      admin shows a change list to either.
    - A custom action (an order's pay/ship/cancel, a supplier's sync) needs the permissions its
      view names in ``action_permissions``, on top of being allowed to read the model: in the
      admin, an action is only reachable from a change list the user can see.
    - Any other write needs the model's ``add``, ``change`` or ``delete`` permission.

    The model is the one of the view's ``queryset`` attribute (never ``get_queryset()``, which
    parses the query string: a caller without permission gets a 403, not a 400 about a filter).
    A method the view does not implement passes here, so the caller gets the honest 405.
    An anonymous caller gets a 401 (with a Token challenge), anyone else refused a 403.
    """

    message = "You do not have the permission this endpoint needs."
    read_perms = ("%(app_label)s.view_%(model_name)s", "%(app_label)s.change_%(model_name)s")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.is_staff):
            return False
        method = request.method.lower()
        if method not in view.http_method_names or not hasattr(view, method):
            return True
        model = view.queryset.model
        if not self._can_read(user, model):
            return False
        if request.method in SAFE_METHODS:
            return True
        action_permissions = getattr(view, "action_permissions", None)
        if action_permissions is not None:
            return user.has_perms(action_permissions)
        return user.has_perms(self.get_required_permissions(request.method, model))

    def _can_read(self, user, model: type[Model]) -> bool:
        return any(user.has_perm(perm) for perm in self._read_perms(model))

    def _read_perms(self, model: type[Model]) -> list[str]:
        names = {"app_label": model._meta.app_label, "model_name": model._meta.model_name}
        return [perm % names for perm in self.read_perms]

    def describe(self, view, method: str) -> str:
        """The rule for ``method`` on ``view`` in words, for the operation's description in the schema."""
        read_perms = self._read_perms(view.queryset.model)
        read = " or ".join(f"`{perm}`" for perm in read_perms)
        if method in SAFE_METHODS:
            return f"Staff with {read}."
        action_permissions = getattr(view, "action_permissions", None)
        needed = action_permissions or self.get_required_permissions(method, view.queryset.model)
        rule = f"Staff with {' and '.join(f'`{perm}`' for perm in needed)}"
        return f"{rule}." if set(needed) & set(read_perms) else f"{rule}, and {read}."
