from django.core.paginator import Paginator


def paginate(request, queryset, *, per_page=20, param="page"):
    """A page of `queryset`; a bad or out-of-range page number gives the nearest valid page.

    `page.querystring_base` keeps the other query parameters (filters) for the page links.
    """
    page = Paginator(queryset, per_page).get_page(request.GET.get(param))
    page.param = param
    others = request.GET.copy()
    others.pop(param, None)
    page.querystring_base = f"{others.urlencode()}&" if others else ""
    return page
