"""`{% url %}` answered by core.reverse when it can (a builtin of the template engine, config/settings.py): the same
tag, the same syntax and the same output as Django's, without walking the URL resolver for every row of a table."""

from django import template
from django.template import defaulttags
from django.utils.html import conditional_escape

from core.reverse import fast_reverse

register = template.Library()


class URLNode(defaulttags.URLNode):
    def render(self, context):
        # Keyword arguments and `as var` are left to Django. The current application (request.current_app) is left
        # aside: it changes nothing while each application is included once (tests/core/test_fast_reverse.py).
        if self.kwargs or self.asvar:
            return super().render(context)
        view_name = self.view_name.resolve(context)
        url = (
            fast_reverse(view_name, [arg.resolve(context) for arg in self.args]) if isinstance(view_name, str) else None
        )
        if url is None:
            return super().render(context)
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = defaulttags.url(parser, token)
    return URLNode(node.view_name, node.args, node.kwargs, node.asvar)
