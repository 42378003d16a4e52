"""The FHIR export of the journal at scale: throughput and peak memory of `export_audit` (NDJSON).

    nice .venv/bin/python bench/bench_fhir_export.py [--entries 1000000] [--databases sqlite postgres]

For each database, in child processes: a fresh database (a temporary SQLite file; the PostgreSQL database
`bench_fhir`, dropped and re-created), `migrate`, then `--entries` journal entries written in bulk (chained:
sequence, previous hash and SHA-256 as `record` computes them), a realistic mix: a third of them actions made in a
doctor's name by a delegate on 1,000 dossiers (consultations, changes of the volet médical: AuditEvent and
Provenance), the rest the doctors' own consultations and changes, logins and logouts. Then, in a fresh process
(so that its peak memory is the export's alone), `manage.py export_audit --since … --format fhir-ndjson` into a
temporary file: entries and resources per second, megabytes written, and the resident memory at each tenth of
the export and at its peak — constant memory shows as the same figure at 10 % and at 100 %.
Never touches the project's db.sqlite3. Not a test: figures depend on the machine.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import fresh_database  # noqa: E402 (after the path)


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 50)  # settings refuse to start without one (DEBUG=0)
    django.setup()


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def seed(entries: int) -> None:
    """Child: migrate and write the journal."""
    _setup()
    import datetime

    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from directory.models import Professional
    from dossiers.models import Dossier, Patient
    from journal.hashing import GENESIS_HASH, entry_hash, fields_of
    from journal.models import Action, ActorRole, Entry

    call_command("migrate", verbosity=0)
    doctors, delegates = [], []
    for i in range(50):
        professional = Professional.objects.create(
            national_id=f"8{10000000000 + i}",
            id_type="8",
            identifier=f"{10000000000 + i}",
            last_name=f"MEDECIN{i}",
            first_name="Jean",
            profession_code="10",
            search_last_name=f"medecin{i}",
            search_first_name="jean",
        )
        doctors.append(User.objects.create(identifier=professional.national_id, professional=professional))
        delegates.append(User.objects.create(identifier=f"3BENCH{i:06d}", first_name="Sophie", last_name=f"ASSIST{i}"))
    dossiers = []
    for i in range(1000):
        patient = Patient.objects.create(
            birth_name=f"PATIENT{i}", first_name="Marie", birth_date=datetime.date(1940, 1, 1), sex="F"
        )
        doctor = doctors[i % len(doctors)]
        dossiers.append(
            Dossier.objects.create(
                number=f"B-{i:07d}", dossier_type="EHPAD", patient=patient, medecin_traitant=doctor.professional
            )
        )
    kinds = [Action.DOSSIER_VIEWED, Action.MEDICAL_UPDATED, Action.LOGIN, Action.DOSSIER_VIEWED, Action.LOGOUT]
    start = timezone.now() - datetime.timedelta(seconds=entries)
    prev = GENESIS_HASH
    batch: list[Entry] = []
    started = time.perf_counter()
    for n in range(1, entries + 1):
        action = kinds[n % len(kinds)]
        dossier = dossiers[n % len(dossiers)]
        doctor = doctors[n % len(doctors)]
        delegated = n % 3 == 0 and action in (Action.DOSSIER_VIEWED, Action.MEDICAL_UPDATED)
        actor = delegates[n % len(delegates)] if delegated else doctor
        about_dossier = action in (Action.DOSSIER_VIEWED, Action.MEDICAL_UPDATED)
        entry = Entry(
            created_at=start + datetime.timedelta(seconds=n),
            action=action,
            action_label=Action(action).label,
            actor_id=actor.pk,
            actor_name=f"{actor.first_name} {actor.last_name}",
            actor_role=ActorRole.ASSISTANT if delegated else ActorRole.DOCTOR,
            card_type="CPE" if delegated else "CPS",
            login_method="demo",
            on_behalf_of_id=dossier.medecin_traitant_id if about_dossier else None,
            on_behalf_name=f"Jean MEDECIN{dossier.medecin_traitant_id}" if about_dossier else "",
            is_delegated=delegated,
            dossier_id=dossier.pk if about_dossier else None,
            changes=[{"field": "gir", "label": "GIR", "old": "", "new": "3"}]
            if action == Action.MEDICAL_UPDATED
            else [],
            sequence=n,
            prev_hash=prev,
        )
        entry.hash = prev = entry_hash(fields_of(entry), prev)
        batch.append(entry)
        if len(batch) == 10_000:
            with transaction.atomic():
                Entry.objects.bulk_create(batch)
            batch = []
    if batch:
        with transaction.atomic():
            Entry.objects.bulk_create(batch)
    elapsed = time.perf_counter() - started
    print(f"  journal écrit : {entries} entrées en {elapsed:.0f} s", flush=True)


def export(entries: int, output: Path) -> None:
    """Child: the export alone, measured."""
    _setup()
    import resource

    from django.utils import timezone

    from interop import export as module

    tenth = max(entries // 10, 1)
    marks: list[str] = []
    written = 0
    original = module.in_batches

    def watched(*args, **kwargs):
        nonlocal written
        for entry in original(*args, **kwargs):
            written += 1
            if written % tenth == 0:
                marks.append(f"{_rss_mb():.0f}")
            yield entry

    module.in_batches = watched  # the command calls it through the module: the marks are taken as it streams
    from django.core.management import call_command

    since = (timezone.localdate() - __import__("datetime").timedelta(days=400)).isoformat()
    before = _rss_mb()
    started = time.perf_counter()
    call_command("export_audit", "--since", since, "--format", "fhir-ndjson", "--output", str(output), verbosity=0)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = sum(1 for _ in output.open(encoding="utf-8"))
    size = output.stat().st_size / 1e6
    print(
        f"  export : {written} entrées, {lines} ressources, {size:.0f} Mo en {elapsed:.0f} s — "
        f"{written / elapsed:.0f} entrées/s, {lines / elapsed:.0f} ressources/s, {size / elapsed:.1f} Mo/s",
        flush=True,
    )
    print(
        f"  mémoire résidente (Mo) : {before:.0f} avant, à chaque dixième {' '.join(marks)}, pic {peak:.0f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--databases", nargs="+", default=["sqlite"], choices=["sqlite", "postgres"])
    parser.add_argument("--child", choices=["seed", "export"], help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "seed":
        seed(args.entries)
        return
    if args.child == "export":
        export(args.entries, Path(args.output))
        return
    with tempfile.TemporaryDirectory(prefix="bench_fhir_") as workdir:
        for kind in args.databases:
            url = fresh_database(kind, sqlite_path=Path(workdir) / "bench_fhir.sqlite3", pg_name="bench_fhir")
            print(f"{kind} ({args.entries} entrées)", flush=True)
            env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "LOG_LEVEL": "WARNING"}
            command = [sys.executable, __file__, "--entries", str(args.entries), "--child"]
            subprocess.run([*command, "seed"], env=env, cwd=ROOT, check=True)  # noqa: S603
            output = Path(workdir) / "audit.ndjson"
            subprocess.run([*command, "export", "--output", str(output)], env=env, cwd=ROOT, check=True)  # noqa: S603
            output.unlink()


if __name__ == "__main__":
    main()
