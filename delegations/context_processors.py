from outbox.models import MessageState

from .authz import may_manage_delegations
from .models import State, Status


def delegation_nav(request):
    actor = getattr(request, "actor", None)
    if actor is None or not actor.is_authenticated:
        return {}
    return {"can_manage_delegations": may_manage_delegations(actor).allowed}


def enums(request):
    """The delegation's and its mail's states in every template: compared through them, never as literal values."""
    return {"DelegationState": State, "DelegationStatus": Status, "MailState": MessageState}
