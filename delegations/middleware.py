from django.contrib import messages

from accounts.actor import SESSION_ACTING_FOR

from .authz import delegation_in_force


class ActingForMiddleware:
    """Checks « Agir au nom de » on every request: a withdrawn or expired delegation ends it at once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        actor = request.actor
        if actor.acting_for_id:
            delegation = delegation_in_force(actor)
            if delegation is None:
                request.session.pop(SESSION_ACTING_FOR, None)
                actor.ended_acting_for_id, actor.acting_for_id = actor.acting_for_id, None
                messages.warning(request, "Votre délégation n'est plus active : vous êtes revenu(e) à votre espace.")
            else:
                actor.acting_for = delegation.doctor
        return self.get_response(request)
