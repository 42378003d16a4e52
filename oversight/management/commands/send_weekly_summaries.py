"""Monday's mail: to each doctor who asked for it in « Mes préférences », what was done in his name over the past
seven days, by delegate. Run it weekly (cron); a second run in the same week sends nothing more (one key a week)."""

import datetime

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from outbox.models import Message
from oversight.mails import queue
from oversight.models import Preferences
from oversight.selectors import summaries


class Command(BaseCommand):
    help = "Met en envoi le résumé hebdomadaire des actions faites au nom de chaque médecin qui l'a demandé."

    def handle(self, *args, **options):
        until = timezone.now()
        since = until - datetime.timedelta(days=7)
        year, week, _ = timezone.localdate().isocalendar()
        queued = 0
        wanted = Preferences.objects.filter(weekly_summary=True, user__professional__is_active=True)
        for preferences in wanted.select_related("user__professional").iterator():
            user = preferences.user
            key = f"{user.pk}-{year}-{week}"
            if Message.objects.filter(idempotency_key=f"oversight-weekly-{key}").exists():
                continue  # already queued this week
            delegates, _more = summaries(user.professional_id, user.pk, since, until)  # type: ignore[arg-type]  # filtered: a professional
            if not delegates:
                continue
            with transaction.atomic():
                queue(
                    "weekly",
                    user=user,
                    key=key,
                    ref="oversight-weekly",
                    since=since,
                    until=until,
                    delegates=delegates,
                )
            queued += 1
        self.stdout.write(f"{queued} résumé(s) mis en envoi.")
