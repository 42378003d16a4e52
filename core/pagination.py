from functools import partial
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

from core.prepared import queryset_page_and_count
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
        return self._bounded(self.object_list[: self.limit + 1].count())  # type: ignore[attr-defined]  # a queryset

    def _bounded(self, counted: int) -> int:
        if counted > self.limit:
            self.more = True
            return self.limit
        return counted

    def get_page(self, number):
        page = self._with_count(number)
        return super().get_page(number) if page is None else page

    def page(self, number):
        # Django's get_page asks page(1) for a missing or unreadable number, before reading the count.
        page = self._with_count(number)
        return super().page(number) if page is None else page

    def _with_count(self, number) -> Page | None:
        """A page whose rows can bring the count along (rows read as tuples, `core.prepared`: `queryset_page_and_count`,
        `PreparedRows.page_and_count`) is read with it, one statement instead of two; None for a page past the end,
        or rows that cannot: Django's Paginator reads them, count first."""
        together = getattr(self.object_list, "page_and_count", None)
        if together is None and isinstance(self.object_list, QuerySet):
            together = partial(queryset_page_and_count, self.object_list)
        if together is None or "count" in self.__dict__ or not isinstance(number, int | str):
            return None
        wanted = whole_number(str(number), digits=8)
        if wanted is None or wanted < 1:
            return None
        bottom = (wanted - 1) * self.per_page
        read = together(bottom, bottom + self.per_page, self.limit + 1)
        if read is None:
            return None
        rows, counted = read
        self.__dict__["count"] = self._bounded(counted)  # the cached_property's own slot
        return self._get_page(rows, wanted, self)  # type: ignore[attr-defined]  # Paginator's, not in the stubs


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
