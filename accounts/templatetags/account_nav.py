from django import template

from accounts.hooks import AccountNavLink, account_nav

register = template.Library()


@register.simple_tag
def account_nav_links() -> list[AccountNavLink]:
    """The links other apps registered for the account navigation (accounts.hooks.account_nav)."""
    return account_nav.links()
