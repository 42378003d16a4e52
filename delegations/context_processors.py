from .authz import may_manage_delegations


def delegation_nav(request):
    actor = getattr(request, "actor", None)
    if actor is None or not actor.is_authenticated:
        return {}
    return {"can_manage_delegations": may_manage_delegations(actor).allowed}
