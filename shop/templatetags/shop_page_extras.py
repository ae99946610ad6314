from django import template
from django.utils.safestring import SafeString, mark_safe

from shop.page_extras import page_extra_templates

register = template.Library()


@register.simple_tag(takes_context=True)
def page_extras(context: template.Context, slot: str) -> SafeString:
    """Render what other apps registered for ``slot``, each with the current context (as {% include %})."""
    engine = context.template.engine
    parts = [engine.get_template(name).render(context) for name in page_extra_templates(slot)]
    return mark_safe("".join(parts))  # noqa: S308 - rendered (autoescaped) template output
