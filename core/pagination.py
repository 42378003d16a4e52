from typing import Any

from django.core.paginator import Page, Paginator
from django.utils.functional import cached_property

from core.text import whole_number

PAGES_AHEAD = 10  # a bounded count looks this many pages past the one shown


class BoundedPaginator(Paginator):
    """Counts at most up to PAGES_AHEAD pages past the requested one, so that a page costs the same whether the
    list holds 50 or 50,000 rows (a full COUNT reads them all); `more` says the real count is larger."""

    def __init__(self, object_list, per_page, *, requested_page: int):
        super().__init__(object_list, per_page)
        self.limit = (max(requested_page, 1) + PAGES_AHEAD) * per_page
        self.more = False

    @cached_property
    def count(self):
        counted = self.object_list[: self.limit + 1].count()  # type: ignore[attr-defined]  # a queryset
        if counted > self.limit:
            self.more = True
            return self.limit
        return counted


def paginate(request, queryset, *, per_page=20, param="page", bounded=False):
    """A page of `queryset`; a bad or out-of-range page number gives the nearest valid page. `bounded`: the
    total is only counted PAGES_AHEAD pages ahead (long lists: history, a doctor's dossiers).

    `page.querystring_base` keeps the other query parameters (filters) for the page links.
    """
    raw = request.GET.get(param)
    paginator: Paginator[Any]
    if bounded:
        requested = whole_number(raw, digits=8)
        requested = 1 if requested is None else requested
        paginator = BoundedPaginator(queryset, per_page, requested_page=requested)
    else:
        paginator = Paginator(queryset, per_page)
    page: Page[Any] = paginator.get_page(raw)
    page.param = param  # type: ignore[attr-defined]  # read by the pager template
    others = request.GET.copy()
    others.pop(param, None)
    page.querystring_base = f"{others.urlencode()}&" if others else ""  # type: ignore[attr-defined]
    return page
