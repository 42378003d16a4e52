"""Writing to the journal. Callers pass what they know; nothing here imports the domain apps."""

import json
from contextvars import copy_context
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Field
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery
from django.utils import timezone

from core.logs import log_event
from outbox.services import enqueue

from . import checkpoints
from .chain import APPEND_LOCK_KEY, CHAIN_COLUMNS, chained_by_the_database, chained_insert, lock_and_read_head
from .checkpoints import Checkpoint, CheckpointError, checkpoint_directory, load_signing_key, read_directory
from .hashing import GENESIS_HASH, canonical_parts, entry_hash, fields_of
from .models import Action, Entry
from .verify import verify


def record(
    *,
    action: Action,
    # Models of the apps above journal, which may not name them (import-linter): typed Any.
    actor_user: Any,
    actor_name: str,
    actor_role: str,
    card_type: str = "",
    login_method: str = "",
    auth_mode: str = "",
    on_behalf_of: Any = None,
    is_delegated: bool = False,
    dossier: Any = None,
    delegation: Any = None,
    changes: list[dict[str, Any]] | None = None,
    detail: str = "",
) -> Entry:
    """Append one entry. Call it inside the transaction of the change it records; an entry that is the whole change
    (a consultation) may be recorded outside any transaction.

    The entry is chained to the previous one: under the append lock (held until that transaction ends),
    read the head (highest sequence), hash this entry's content with the head's hash, insert (journal/chain.py:
    on PostgreSQL, all of it in the INSERT statement). Once that transaction commits, the entry is also an event in
    the technical logs (`_log_committed`).
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
    connection = connections[db]
    if chained_by_the_database(connection) and not connection.in_atomic_block and connection.get_autocommit():
        # The entry is the whole change (a consultation): its one statement is atomic, committed by itself.
        # Receivers of post_save then run outside any transaction: an action they write for (a mail to queue)
        # is recorded inside its service's transaction, as every change is.
        _append(entry, using=db)
        return entry
    # No savepoint: inside the change's transaction a failure here must fail the change anyway.
    with transaction.atomic(using=db, savepoint=False):
        _append(entry, using=db)
    return entry


def _append(entry: Entry, *, using: str) -> None:
    connection = connections[using]
    if chained_by_the_database(connection):
        # The date is the application's when the statement is sent; the order of the chain is its sequence.
        entry.created_at = timezone.now()
        _insert(entry, using=using)
    else:
        head = lock_and_read_head(connection)
        entry.sequence, entry.prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
        # The date is taken under the lock too: the chain's dates never go backwards.
        entry.created_at = timezone.now()
        entry.hash = entry_hash(fields_of(entry), entry.prev_hash)
        _insert(entry, using=using)
    _log_committed(entry, using=using)


@dataclass(frozen=True)
class _InsertStatement:
    sql: str
    fields: "tuple[Field[Any, Any], ...]"  # Field is not subscriptable at run time
    returning_params: tuple[Any, ...]
    chained: bool  # the database completes the chain (journal/chain.py): CHAIN_COLUMNS are not among `fields`


# The statement that appends an entry, compiled once per database alias: every journaled action (each opening of a
# dossier) compiled it again. Its values are prepared by the fields, as Django's insert compiler prepares them.
_INSERTS: dict[str, _InsertStatement] = {}


def _insert(entry: Entry, *, using: str) -> None:
    """Model.save for a new entry (force_insert): the same values, the same signals (oversight's mails follow
    post_save), the entry's id read back. Where the database completes the chain, the statement is
    `chain.chained_insert` and the sequence and hashes are read back too; elsewhere it is Model.save's own."""
    connection = connections[using]
    statement = _INSERTS.get(using)
    if statement is None:
        statement = _INSERTS[using] = _compile_insert(entry, using)
    # As Model.save: an entry pointing to an object never saved is refused, not stored without it.
    entry._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]  # not in the stubs
    pre_save.send(sender=Entry, instance=entry, raw=False, using=using, update_fields=None)
    params = [field.get_db_prep_save(field.pre_save(entry, True), connection) for field in statement.fields]
    pk = Entry._meta.pk
    with connection.cursor() as cursor:
        if statement.chained:
            cursor.execute(statement.sql, [APPEND_LOCK_KEY, *canonical_parts(fields_of(entry)), *params])
            entry.pk, entry.sequence, entry.prev_hash, entry.hash = cursor.fetchone()
        else:
            cursor.execute(statement.sql, params)
            if connection.features.can_return_columns_from_insert:
                returned = connection.ops.fetch_returned_insert_columns(  # type: ignore[attr-defined]  # not in stubs
                    cursor, statement.returning_params
                )
                entry.pk = returned[0]
            else:
                entry.pk = connection.ops.last_insert_id(cursor, Entry._meta.db_table, str(pk.column))
    entry._state.adding, entry._state.db = False, using
    post_save.send(sender=Entry, instance=entry, created=True, update_fields=None, raw=False, using=using)


def _compile_insert(entry: Entry, using: str) -> _InsertStatement:
    # The fields Model._save_table inserts for a new row: all but the generated id.
    fields = tuple(field for field in Entry._meta.local_concrete_fields if field is not Entry._meta.auto_field)
    connection = connections[using]
    if chained_by_the_database(connection):
        given = tuple(field for field in fields if field.column not in CHAIN_COLUMNS)
        columns = [str(field.column) for field in given]
        sql = chained_insert(connection, Entry._meta.db_table, columns, str(Entry._meta.pk.column))
        return _InsertStatement(sql, given, (), chained=True)
    query = InsertQuery(Entry)
    query.insert_values(fields, [entry])
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = list(Entry._meta.db_returning_fields)
    ((sql, _params),) = compiler.as_sql()
    return _InsertStatement(sql, fields, tuple(compiler.returning_params), chained=False)


def _log_committed(entry: Entry, *, using: str) -> None:
    """The journaled action as a log event (ids only, never the snapshot names nor the detail), after the commit:
    an entry rolled back with the change it recorded did not happen. With the request id and actor of now
    (the copied context), whenever the commit comes."""
    fields: dict[str, Any] = {"entry_id": entry.pk, "actor_id": entry.actor_id}
    for name in ("dossier_id", "delegation_id", "on_behalf_of_id"):
        value = getattr(entry, name)
        if value is not None:
            fields[name] = value
    transaction.on_commit(partial(copy_context().run, log_event, str(entry.action), **fields), using=using)


def make_checkpoint(*, first: bool = False) -> Checkpoint | None:
    """Sign the head and write it outside the database (JOURNAL_CHECKPOINT_DIR); mail it to the witness if any.

    The chain is verified first, from the latest signed checkpoint (so each run reads only the new entries):
    nothing is signed over a broken chain — CheckpointError, with the reason. None when the journal is empty.
    Without any earlier checkpoint, a journal that has entries is signed only when `first` says this is the
    first one: otherwise emptying the directory, then rewriting the chain, would get the rewrite signed.
    """
    private_key = load_signing_key()
    directory = checkpoint_directory()
    directory.mkdir(parents=True, exist_ok=True)
    valid, invalid = read_directory(directory, private_key.public_key())
    if invalid:
        listed = " ; ".join(f"{path.name} : {why}" for path, why in invalid)
        raise CheckpointError(
            f"Point(s) de contrôle signé(s) invalide(s) dans {directory} ({listed}) : rien n'est signé."
        )
    latest = valid[-1] if valid else None
    if latest is None and not first and Entry.objects.exists():
        raise CheckpointError(
            f"Aucun point de contrôle signé dans {directory}, alors que le journal a des entrées : rien n'est "
            "signé. S'il s'agit du tout premier, relancez avec --first ; sinon restaurez le dossier depuis sa "
            "copie (courriels au témoin) et prévenez l'officier de sécurité."
        )
    report = verify(since=(latest.sequence, latest.hash) if latest else None, signed=valid)
    if not report.ok:
        raise CheckpointError(
            f"Journal altéré [{report.broken.kind}] — {report.broken.message} : rien n'est signé. "  # type: ignore[union-attr]  # a report not ok has its break
            "Lancez verify_journal et prévenez l'officier de sécurité."
        )
    if report.head is None:
        return None
    head = report.head
    document = checkpoints.sign(
        sequence=head.sequence, hash=head.hash, head_created_at=head.created_at, private_key=private_key
    )
    path = checkpoints.write(document, directory)
    if settings.JOURNAL_WITNESS_EMAIL:
        _mail_witness(document, path.name)
    return checkpoints.Checkpoint(
        **{name: document[name] for name in checkpoints.SIGNED_FIELDS if name != "format"}, path=path
    )


def _mail_witness(document: dict[str, Any], name: str) -> None:
    text = (
        "Bonjour,\n\n"
        f"Voici le point de contrôle signé du journal des actions de l'Espace médecins au "
        f"{document['signed_at']} (UTC) : entrée n° {document['sequence']}, empreinte {document['hash']}.\n\n"
        "Conservez ce courriel, hors du système. Pour vérifier plus tard qu'aucune entrée jusqu'à ce numéro n'a été "
        f"supprimée ni réécrite, enregistrez le texte ci-dessous dans un fichier « {name} », seul ou avec les "
        "précédents dans un dossier, puis lancez : python manage.py verify_journal --checkpoints DOSSIER\n\n"
        f"{json.dumps(document, indent=2, ensure_ascii=False)}\n"
    )
    with transaction.atomic():
        enqueue(
            # Also the Message-ID: the file's name (no colon, unlike the ISO date).
            key=f"journal-{name.removesuffix('.json')}",
            to=settings.JOURNAL_WITNESS_EMAIL,
            subject=f"Point de contrôle signé du journal : entrée n° {document['sequence']}",
            text=text,
            ref="journal-checkpoint",
        )
