"""The mailing lists an unsubscribe link can leave. Each app registers its lists in its
AppConfig.ready with ``email_list_register``; a list may name the ``accounts.EmailPreferences``
field it mirrors, so an unsubscribe link and the preferences page flip the same switch."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class EmailList:
    name: str
    label: str  # what the customer reads: "refill reminders"
    preference_field: str | None = None
    # Called with the (lower-cased) address after it left the list, e.g. to close open requests.
    on_unsubscribe: Callable[[str], None] | None = None


_LISTS: dict[str, EmailList] = {}


def email_list_register(
    name: str,
    *,
    label: str,
    preference_field: str | None = None,
    on_unsubscribe: Callable[[str], None] | None = None,
) -> EmailList:
    email_list = EmailList(name, label, preference_field, on_unsubscribe)
    _LISTS[name] = email_list
    return email_list


def email_list_get(name: str) -> EmailList:
    """The registered list; raises KeyError for a name no app registered."""
    return _LISTS[name]


def email_lists() -> list[EmailList]:
    return list(_LISTS.values())
