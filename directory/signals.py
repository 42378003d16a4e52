"""What the directory tells the apps above it (which it must not import).

`professionals_deactivated` is sent after the commit of an import that deactivated people (absent from the
extraction: struck off, retired, deceased), with `professional_ids`, the ids of those people. The delegations app
suspends their delegations on it.
"""

import logging

from django.dispatch import Signal

logger = logging.getLogger(__name__)

professionals_deactivated = Signal()


def send_professionals_deactivated(professional_ids: list[int]) -> None:
    # Robust: the import is committed whatever a receiver does; a failure is logged and the daily catch-up
    # (expire_delegations) finishes the work.
    for receiver, result in professionals_deactivated.send_robust(sender=None, professional_ids=professional_ids):
        if isinstance(result, Exception):
            logger.error(
                "Après l'import de l'annuaire, %s a échoué (%s).",
                getattr(receiver, "__qualname__", receiver),
                type(result).__name__,
                exc_info=result,
            )
