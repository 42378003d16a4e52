from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from core.pagination import paginate

from .forms import DirectorySearchForm
from .selectors import search_professionals

PER_PAGE = 20


@login_required
def search(request):
    form = DirectorySearchForm(request.GET or None)
    page = None
    if form.is_valid() and (arguments := form.search_arguments()):
        page = paginate(request, search_professionals(**arguments), per_page=PER_PAGE)
    return render(request, "directory/search.html", {"title": "Annuaire", "nav": "annuaire", "form": form,
                                                     "page": page})  # fmt: skip
