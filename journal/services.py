"""Writing to the journal. Callers pass what they know; nothing here imports the domain apps."""

import json

from django.db import connections, router, transaction
from django.utils import timezone

from .chain import lock_and_read_head
from .hashing import GENESIS_HASH, entry_hash, fields_of
from .models import Action, Entry


def record(
    *,
    action: Action,
    actor_user,
    actor_name: str,
    actor_role: str,
    card_type: str = "",
    login_method: str = "",
    auth_mode: str = "",
    on_behalf_of=None,
    is_delegated: bool = False,
    dossier=None,
    delegation=None,
    changes: list | None = None,
    detail: str = "",
) -> Entry:
    """Append one entry. Call it inside the transaction of the change it records.

    The entry is chained to the previous one: under the append lock (held until that transaction ends),
    read the head (highest sequence), hash this entry's content with the head's hash, insert.
    """
    entry = Entry(
        action=action,
        action_label=Action(action).label,
        actor=actor_user,
        actor_name=actor_name,
        actor_role=actor_role,
        card_type=card_type,
        login_method=login_method,
        auth_mode=auth_mode,
        on_behalf_of=on_behalf_of,
        on_behalf_name=on_behalf_of.display_name if on_behalf_of is not None else "",
        is_delegated=is_delegated,
        dossier=dossier,
        delegation=delegation,
        # As the database will give it back (tuples become lists…): the hash is computed over that.
        changes=json.loads(json.dumps(changes or [])),
        detail=detail,
    )
    db = router.db_for_write(Entry)
    # No savepoint: inside the change's transaction a failure here must fail the change anyway.
    with transaction.atomic(using=db, savepoint=False):
        head = lock_and_read_head(connections[db])
        entry.sequence, entry.prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
        # The date is taken under the lock too: the chain's dates never go backwards.
        entry.created_at = timezone.now()
        entry.hash = entry_hash(fields_of(entry), entry.prev_hash)
        entry.save(using=db)
    return entry
