"""Seed a PostgreSQL database at national scale through COPY (psycopg 3), for the load benchmark (bench/load.py).

    .venv/bin/python bench/seed_national.py --database bench_national [--scale national|small]

national: 100,000 doctors (the directory generator, bench/generate_extract.py, with the other professions it
produces and their places of practice), 20,000 assistants, 1,000,000 dossiers, 10,000,000 journal entries,
50,000 delegations in every state. small: 1,000 doctors, 200 assistants, 1,000 dossiers, 10,000 entries,
500 delegations. The database is dropped, re-created and migrated first.

The bench users (bench/load.py logs them in through the demo card reader, PIN 1234): BENCH_USERS doctors
(the first doctors of the directory), each médecin traitant of HEAVY_DOSSIERS dossiers (national; 20 at small
scale) whose first, the « hot » dossier, has HOT_ENTRIES journal entries (national: 50,000; small: 5), and as
many assistants, each with an accepted delegation (consult, create, edit) from one of them.

Journal entries are valid rows of the hash chain: sequence, prev_hash and hash are computed here in sequence
order, with the canonical serialisation of journal/hashing.py (checked against it on the first rows and on the
last rows read back from the database). Foreign keys are not checked during the load
(session_replication_role = replica: the data are consistent by construction), and the non-unique indexes of the
big tables are built after it.
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import fresh_database  # noqa: E402 (after the path)

PIN = "1234"
BENCH_USERS = 20
SCALES = {
    "national": {"doctors": 100_000, "assistants": 20_000, "dossiers": 1_000_000, "entries": 10_000_000,
                 "delegations": 50_000, "heavy_dossiers": 3_000, "hot_entries": 50_000},
    "small": {"doctors": 1_000, "assistants": 200, "dossiers": 1_000, "entries": 10_000,
              "delegations": 500, "heavy_dossiers": 20, "hot_entries": 5},
}  # fmt: skip
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
EPOCH = NOW - dt.timedelta(days=730)


def log(message):
    print(f"[seed {time.strftime('%H:%M:%S')}] {message}", flush=True)


def esc(value) -> str:
    """A value in COPY text format."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def copy_rows(conn, table, columns, rows, batch=20_000) -> int:
    count = 0
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        buffer = []
        for row in rows:
            buffer.append("\t".join(map(esc, row)))
            count += 1
            if len(buffer) >= batch:
                copy.write("\n".join(buffer) + "\n")
                buffer.clear()
        if buffer:
            copy.write("\n".join(buffer) + "\n")
    return count


def fresh_migrated_database(name: str) -> None:
    env = {**os.environ, "DATABASE_URL": fresh_database("postgres", pg_name=name), "LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


class DeferredIndexes:
    """Drop the non-unique, non-constraint indexes of the tables, give them back (built in one pass) after."""

    def __init__(self, conn, tables):
        self.conn, self.tables = conn, tables

    def __enter__(self):
        rows = self.conn.execute(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               JOIN pg_class c ON c.relname = i.indexname JOIN pg_index x ON x.indexrelid = c.oid
               WHERE i.tablename = ANY(%s) AND NOT x.indisunique""",
            [list(self.tables)],
        ).fetchall()
        self.definitions = [definition for _, definition in rows]
        for name, _ in rows:
            self.conn.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            for definition in self.definitions:
                self.conn.execute(definition)


def seed(scale: str, database: str) -> dict:
    url = f"postgres://postgres@127.0.0.1:5432/{database}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 50)  # settings refuse to start without one (DEBUG=0)
    import django

    django.setup()
    import psycopg
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from bench.generate_extract import Generator
    from core.text import normalize
    from journal.hashing import GENESIS_HASH, canonical

    size = SCALES[scale]
    rnd = random.Random(7)  # noqa: S311 (fictitious data)
    started = time.monotonic()
    fresh_migrated_database(database)
    log(f"base {database} migrée ({time.monotonic() - started:.0f} s)")
    timings = {}
    conn = psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}", autocommit=True)
    conn.execute("SET session_replication_role = replica")  # no FK triggers during the load
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute("SET synchronous_commit = off")
    today = timezone.localdate()  # the application's date (Paris): delegations in force today

    # --- Directory: the generator's people, until `doctors` médecins ---------------------------------
    t = time.monotonic()
    gen = Generator(seed=1)
    professionals, places, doctor_ids = [], [], []
    current = None
    for line in gen.lines(10**9, 56):
        f = line.split("|")
        if current != f[2]:
            if f[9] == "10" and len(doctor_ids) >= size["doctors"]:
                break
            current = f[2]
            pk = len(professionals) + 1
            professionals.append(
                (pk, f[2], f[0], f[1], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12], f[15], f[16],
                 normalize(f[7]), normalize(f[8]), True, NOW)
            )  # fmt: skip
            if f[9] == "10":
                doctor_ids.append(pk)
        person = professionals[-1]  # PracticePlace.PERSON_COPY: names, profession and active flag on the place
        places.append(
            (len(places) + 1, pk, f[17], f[18], f[19], f[21], f[24], f"{f[28]} {f[31]} {f[32]}", f[35], f[36],
             f[37], normalize(f[37]), f[44], f[45], f[40], f[43], person[16], person[17], person[10], True)
        )  # fmt: skip
    copy_rows(conn, "directory_professional",
              ["id", "national_id", "id_type", "identifier", "civilite_exercice_code", "civilite_exercice",
               "civilite_code", "civilite", "last_name", "first_name", "profession_code", "profession",
               "category_code", "category", "specialty_code", "specialty", "search_last_name", "search_first_name",
               "is_active", "updated_at"], professionals)  # fmt: skip
    copy_rows(conn, "directory_practiceplace",
              ["id", "professional_id", "mode_code", "mode", "siret", "finess", "structure_name", "address",
               "postal_code", "commune_code", "commune", "search_commune", "department_code", "department", "phone",
               "email", "search_last_name", "search_first_name", "profession_code", "is_active"], places)  # fmt: skip
    timings["annuaire"] = time.monotonic() - t
    log(f"annuaire : {len(professionals)} professionnels dont {len(doctor_ids)} médecins, {len(places)} lieux "
        f"({timings['annuaire']:.0f} s)")  # fmt: skip
    names = {p[0]: (p[9], p[8]) for p in professionals}  # pk -> (first, last)

    # --- Users and cards: every doctor (CPS), the assistants (CPE) -----------------------------------
    t = time.monotonic()
    pin_hash = make_password(PIN)
    users, cards = [], []
    user_of = {}
    for pk in doctor_ids:
        uid = len(users) + 1
        user_of[pk] = uid
        first, last = names[pk]
        national_id = professionals[pk - 1][1]
        users.append(("!", None, False, national_id, first, last, f"dr{uid}@example.org", True, False, NOW, pk, uid))
        cards.append((uid, f"8{uid:09d}", "CPS", today + dt.timedelta(days=900), pin_hash, 0, False, uid))
    assistant_uids = []
    for i in range(size["assistants"]):
        uid = len(users) + 1
        assistant_uids.append(uid)
        first, last = rnd.choice(gen.first_names), rnd.choice(gen.surnames)
        users.append(("!", None, False, f"3BENCH{i:07d}", first, last.title(), f"as{i}@example.org", True, False,
                      NOW, None, uid))  # fmt: skip
        cards.append((uid, f"3{uid:09d}", "CPE", today + dt.timedelta(days=900), pin_hash, 0, False, uid))
    copy_rows(conn, "accounts_user",
              ["password", "last_login", "is_superuser", "identifier", "first_name", "last_name", "email",
               "is_active", "is_staff", "date_joined", "professional_id", "id"], users)  # fmt: skip
    copy_rows(conn, "accounts_card",
              ["id", "number", "card_type", "expires_on", "pin_hash", "failed_attempts", "is_blocked", "holder_id"],
              cards)  # fmt: skip
    timings["comptes"] = time.monotonic() - t
    log(f"comptes : {len(users)} utilisateurs et cartes ({timings['comptes']:.0f} s)")

    # --- Patients and dossiers ------------------------------------------------------------------------
    t = time.monotonic()
    bench_doctors = doctor_ids[:BENCH_USERS]
    others = doctor_ids[BENCH_USERS:]
    n_dossiers = size["dossiers"]
    heavy = size["heavy_dossiers"]
    owner = []  # dossier index -> professional pk
    for pk in bench_doctors:
        owner += [pk] * heavy
    owner += [others[i % len(others)] for i in range(n_dossiers - len(owner))]
    hot = {pk: 1 + k * heavy for k, pk in enumerate(bench_doctors)}  # the first dossier of each bench doctor

    def patients():
        for i in range(1, n_dossiers + 1):
            birth, first = rnd.choice(gen.surnames), rnd.choice(gen.first_names)
            yield (i, birth, "", first, dt.date(1925, 1, 1) + dt.timedelta(days=i % 9000), "F" if i % 2 else "M",
                   normalize(f"{birth}  {first}"))  # fmt: skip

    def dossiers():
        for i in range(1, n_dossiers + 1):
            stamp = EPOCH + dt.timedelta(seconds=i * 50)
            yield (
                i,
                f"{stamp:%Y}-{i:07d}",
                "EHPAD" if i % 3 else "USLD",
                "{}",
                "HTA",
                "",
                "",
                "",
                None,
                "",
                ("en_cours", "valide", "envoye", "archive")[i % 4],
                stamp if i % 4 in (1, 2) else None,  # validated and sent volets are signed (a database constraint)
                1,
                stamp,
                stamp,
                owner[i - 1],
                user_of[owner[i - 1]] if i % 4 in (1, 2) else None,
                i,
            )
            # fmt: skip

    with DeferredIndexes(conn, ["dossiers_patient", "dossiers_dossier"]):
        copy_rows(
            conn,
            "dossiers_patient",
            ["id", "birth_name", "usage_name", "first_name", "birth_date", "sex", "search_name"],
            patients(),
        )
        copy_rows(conn, "dossiers_dossier",
                  ["id", "number", "dossier_type", "volet_administratif", "antecedents", "pathologies", "traitements",
                   "allergies", "gir", "commentaire", "status", "validated_at", "version", "created_at", "updated_at",
                   "medecin_traitant_id", "validated_by_id", "patient_id"], dossiers())  # fmt: skip
    timings["dossiers"] = time.monotonic() - t
    log(f"dossiers : {n_dossiers} dossiers et patients ({timings['dossiers']:.0f} s)")

    # --- Delegations: the bench ones, then every kind and state ----------------------------------------
    t = time.monotonic()
    bench_assistants = assistant_uids[:BENCH_USERS]
    pool = assistant_uids[BENCH_USERS:] or assistant_uids
    delegations = []
    states = ["en_attente", "acceptee", "refusee", "supprimee", "expiree"]

    def delegation(doctor_pk, kind, state, delegate_uid, colleague_pk=None, rights=(True, True, True)):
        did = len(delegations) + 1
        if colleague_pk:
            first = last = ""
        else:
            first, last = users[delegate_uid - 1][4], users[delegate_uid - 1][5]
        ends = today - dt.timedelta(days=3) if state == "expiree" else today + dt.timedelta(days=365)
        delegations.append(
            (did, kind, first, last, f"delegue{did}@example.org", normalize(f"{first} {last}"), *rights, False,
             today - dt.timedelta(days=30), ends, state, NOW, NOW, None if state == "en_attente" else NOW,
             NOW if state == "supprimee" else None, None, colleague_pk,
             user_of[doctor_pk], None if state == "en_attente" else delegate_uid, doctor_pk, "")
        )  # fmt: skip

    for k, pk in enumerate(bench_doctors):
        delegation(pk, "assistant", "acceptee", bench_assistants[k])
    for i in range(size["delegations"] - len(delegations)):
        doctor_pk = others[i % len(others)]
        state = states[i % len(states)]
        if i % 4 == 3:
            colleague = others[(i + 1) % len(others)]
            delegation(doctor_pk, "confrere", state, user_of[colleague], colleague, (True, False, i % 8 == 7))
        else:
            delegation(doctor_pk, "assistant", state, pool[i % len(pool)], None, (True, i % 2 == 0, i % 3 == 0))
    copy_rows(conn, "delegations_delegation",
              ["id", "kind", "invited_first_name", "invited_last_name", "invited_email", "invited_key", "can_consult",
               "can_create", "can_edit", "can_validate", "starts_on", "ends_on", "state", "created_at", "updated_at",
               "answered_at", "deleted_at", "reminder_sent_on", "colleague_id", "created_by_id", "delegate_id",
               "doctor_id", "suspension_reason"], delegations)  # fmt: skip
    timings["délégations"] = time.monotonic() - t
    log(f"délégations : {len(delegations)} ({timings['délégations']:.0f} s)")

    # --- Journal: the hash chain, in sequence order --------------------------------------------------------
    t = time.monotonic()
    n_entries = size["entries"]
    hot_total = size["hot_entries"] * len(bench_doctors)
    delegate_of = {pk: bench_assistants[k] for k, pk in enumerate(bench_doctors)}
    actions = [("dossier_viewed", "Consultation du dossier"), ("medical_updated", "Modification du volet médical"),
               ("dossier_viewed", "Consultation du dossier"), ("dossier_created", "Création du dossier")]  # fmt: skip
    step = (NOW - EPOCH - dt.timedelta(days=1)) / n_entries
    quoted = {}

    def q(text):
        value = quoted.get(text)
        if value is None:
            value = quoted[text] = json.dumps(text, ensure_ascii=False)
        return value

    def entries():
        prev = GENESIS_HASH
        hot_left = hot_total
        hot_list = list(hot.items())
        for seq in range(1, n_entries + 1):
            # Spread the hot dossiers' entries over the whole chain.
            if hot_left and rnd.random() < hot_left / (n_entries - seq + 1):
                hot_left -= 1
                doctor_pk, dossier_id = hot_list[hot_left % len(hot_list)]
            else:
                dossier_id = rnd.randint(1, n_dossiers)
                doctor_pk = owner[dossier_id - 1]
            action, label = actions[seq & 3]
            delegated = seq % 5 == 0 and doctor_pk in delegate_of
            if delegated:
                actor_id = delegate_of[doctor_pk]
                role, card, behalf_id = "assistant", "CPE", doctor_pk
                behalf_name = "{} {}".format(*names[doctor_pk])
                actor_name = f"{users[actor_id - 1][4]} {users[actor_id - 1][5]}"
            else:
                actor_id, role, card, behalf_id, behalf_name = user_of[doctor_pk], "medecin", "CPS", None, ""
                actor_name = "{} {}".format(*names[doctor_pk])
            created = EPOCH + step * seq
            stamp = created.isoformat(timespec="microseconds")
            # journal/hashing.canonical, written out (sorted keys, compact separators, UTF-8).
            text = (
                f'{{"action":"{action}","action_label":{q(label)},"actor_id":{actor_id},'
                f'"actor_name":{q(actor_name)},"actor_role":"{role}","auth_mode":"","card_type":"{card}",'
                f'"changes":[],"created_at":"{stamp}","delegation_id":null,"detail":"","dossier_id":{dossier_id},'
                f'"is_delegated":{"true" if delegated else "false"},"login_method":"demo",'
                f'"on_behalf_name":{q(behalf_name)},"on_behalf_of_id":{"null" if behalf_id is None else behalf_id},'
                f'"prev_hash":"{prev}","sequence":{seq}}}'
            )
            if seq <= 50:
                fields = {"sequence": seq, "created_at": created, "action": action, "action_label": label,
                          "actor_id": actor_id, "actor_name": actor_name, "actor_role": role, "card_type": card,
                          "login_method": "demo", "auth_mode": "", "on_behalf_of_id": behalf_id,
                          "on_behalf_name": behalf_name, "is_delegated": delegated, "dossier_id": dossier_id,
                          "delegation_id": None, "changes": [], "detail": ""}  # fmt: skip
                assert canonical(fields, prev) == text.encode(), "journal/hashing.py changed: update the seed"
            digest = hashlib.sha256(text.encode()).hexdigest()
            yield (seq, stamp, action, label, actor_name, role, card, "demo", "", behalf_name, delegated, "[]", "",
                   actor_id, dossier_id, behalf_id, None, seq, prev, digest)  # fmt: skip
            prev = digest
            if seq % 1_000_000 == 0:
                log(f"journal : {seq} entrées ({time.monotonic() - t:.0f} s)")

    with DeferredIndexes(conn, ["journal_entry"]):
        copy_rows(
            conn,
            "journal_entry",
            [
                "id",
                "created_at",
                "action",
                "action_label",
                "actor_name",
                "actor_role",
                "card_type",
                "login_method",
                "auth_mode",
                "on_behalf_name",
                "is_delegated",
                "changes",
                "detail",
                "actor_id",
                "dossier_id",
                "on_behalf_of_id",
                "delegation_id",
                "sequence",
                "prev_hash",
                "hash",
            ],
            entries(),
        )
        log(f"journal chargé ({time.monotonic() - t:.0f} s), index en construction")
    timings["journal"] = time.monotonic() - t
    log(f"journal : {n_entries} entrées chaînées ({timings['journal']:.0f} s)")

    t = time.monotonic()
    for table in ["directory_professional", "directory_practiceplace", "accounts_user", "accounts_card",
                  "dossiers_patient", "dossiers_dossier", "delegations_delegation", "journal_entry"]:  # fmt: skip
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
    conn.execute("SET session_replication_role = DEFAULT")
    conn.execute("VACUUM (ANALYZE)")
    timings["vacuum analyze"] = time.monotonic() - t
    # The chain as written, checked with journal/hashing.py on the last rows read back.
    from journal.hashing import entry_hash

    rows = conn.execute(
        "SELECT sequence, created_at, action, action_label, actor_id, actor_name, actor_role, card_type, "
        "login_method, auth_mode, on_behalf_of_id, on_behalf_name, is_delegated, dossier_id, delegation_id, "
        "changes, detail, prev_hash, hash FROM journal_entry ORDER BY sequence DESC LIMIT 1000"
    ).fetchall()
    keys = ["sequence", "created_at", "action", "action_label", "actor_id", "actor_name", "actor_role", "card_type",
            "login_method", "auth_mode", "on_behalf_of_id", "on_behalf_name", "is_delegated", "dossier_id",
            "delegation_id", "changes", "detail"]  # fmt: skip
    for row in rows:
        assert entry_hash(dict(zip(keys, row[:17], strict=True)), row[17]) == row[18], f"entrée {row[0]}"
    conn.close()
    total = time.monotonic() - started
    log(f"ensemencement {scale} terminé en {total:.0f} s ({', '.join(f'{k} {v:.0f} s' for k, v in timings.items())})")
    return {"seconds": total, "timings": timings, "bench_doctors": bench_doctors, "hot": hot}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="bench_national")
    parser.add_argument("--scale", choices=sorted(SCALES), default="national")
    args = parser.parse_args()
    seed(args.scale, args.database)


if __name__ == "__main__":
    main()
