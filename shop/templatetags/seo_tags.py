"""Template tags for the head tags search engines and link previews read (includes/head_meta.html)."""
from __future__ import annotations

import html

from django import template
from django.template.loader_tags import BLOCK_CONTEXT_KEY
from django.utils.html import strip_tags

register = template.Library()


@register.simple_tag(takes_context=True)
def block_text(context: template.Context, name: str) -> str:
    """The plain text of the page's block ``name`` as the page renders it (its most derived
    override), or "" when no template defines it.

    So og:title and og:description repeat the page's own ``title`` and ``meta_description`` blocks,
    which every template already sets, instead of each page saying them twice. Only meaningful in
    the template that is extended (base.html), where the blocks are known.
    """
    block_context = context.render_context.get(BLOCK_CONTEXT_KEY)
    block = block_context.get_block(name) if block_context is not None else None
    if block is None:
        return ""
    # Rendered autoescaped: back to plain text, which the template escapes again where it is used.
    return " ".join(html.unescape(strip_tags(block.render(context))).split())
