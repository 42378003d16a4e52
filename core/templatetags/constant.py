"""`{% constant name… %}…{% endconstant %}`: markup that depends on nothing but the variables it names (the DSFR
stylesheets and scripts, the menu's links, the footer), rendered once per process for each set of their values,
then copied into every page (docs/performance.md, « Plancher, habillage et coût d'une page »).

The block is rendered in a context of its own that holds the named variables alone, without the request: whatever
else the page holds (the user, his dossiers, the CSRF token) cannot reach the copy; a variable it uses without
naming it renders empty, on the first page as on the others. `name` is the variable `name`; `name=expression` gives
it the value of an expression (`authenticated=user.is_authenticated`). Values are compared, so they must be
hashable: booleans, short texts. A `{% block %}` inside is refused: each page's own version of it would be replaced
by the first page's.
"""

from django import template
from django.core.signals import setting_changed
from django.template.loader_tags import BlockNode
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Copies kept per block; past that, a value that keeps changing would be a mistake, and the block is drawn each time.
MAX_COPIES = 16
# Static file addresses and URLs come from the settings: a test that changes one starts the copies over.
_generation = 0


def _forget_copies(**kwargs) -> None:
    global _generation
    _generation += 1


setting_changed.connect(_forget_copies, dispatch_uid="core-constant-fragments")


class ConstantNode(template.Node):
    def __init__(self, variables: list[tuple[str, template.base.FilterExpression]], nodelist: template.NodeList):
        self.variables = variables
        self.nodelist = nodelist
        self.copies: dict[tuple, SafeString] = {}
        self.generation = _generation

    def render(self, context: template.Context) -> SafeString:
        values = {name: expression.resolve(context) for name, expression in self.variables}
        key = tuple(values.values())
        if self.generation != _generation:
            self.copies, self.generation = {}, _generation
        copy = self.copies.get(key)
        if copy is None:
            # The same template (inclusion tags load theirs through it) and rendering options; no request.
            own = template.Context(
                values, autoescape=context.autoescape, use_l10n=context.use_l10n, use_tz=context.use_tz
            )
            own.template = context.template
            copy = mark_safe(self.nodelist.render(own))  # noqa: S308  # nosec B308 B703: rendered by the template engine, escaped there
            if len(self.copies) < MAX_COPIES:
                self.copies[key] = copy
        return copy


@register.tag
def constant(parser: template.base.Parser, token: template.base.Token) -> ConstantNode:
    variables = []
    for bit in token.split_contents()[1:]:
        name, _, expression = bit.partition("=")
        if not name.isidentifier():
            raise template.TemplateSyntaxError(f"{{% constant %}} : « {bit} » n'est pas un nom de variable")
        variables.append((name, parser.compile_filter(expression or name)))
    nodelist = parser.parse(("endconstant",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode):
        raise template.TemplateSyntaxError("{% constant %} : un {% block %} n'y a pas sa place (il serait figé)")
    return ConstantNode(variables, nodelist)
