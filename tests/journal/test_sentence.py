"""An entry in the seed's wording (journal.models.sentence), as the lists read as values write it too (sentence_of)."""

import pytest

from journal.models import SENTENCE_COLUMNS, ActorRole, sentence, sentence_of

ACTION = "Modification du volet médical"
FOR_DUBOIS = " au nom du médecin Paul DUBOIS"


@pytest.mark.parametrize(
    ("role", "actor_id", "delegated", "on_behalf", "said"),
    [
        (ActorRole.DOCTOR, 1, False, "", "Le médecin Jean MARTIN a fait l'action « … »"),
        (ActorRole.ASSISTANT, 2, True, "Paul DUBOIS", f"L'assistant(e) Jean MARTIN a fait l'action « … »{FOR_DUBOIS}"),
        (ActorRole.DOCTOR, 3, True, "Paul DUBOIS", f"Le médecin Jean MARTIN a fait l'action « … »{FOR_DUBOIS}"),
        (ActorRole.OPERATOR, 4, False, "", "L'opérateur Jean MARTIN a fait l'action « … »"),
        (ActorRole.ASSISTANT, 5, True, "", "L'assistant(e) Jean MARTIN a fait l'action « … »"),  # no name kept
        (ActorRole.ASSISTANT, 6, False, "Paul DUBOIS", "L'assistant(e) Jean MARTIN a fait l'action « … »"),
        ("", None, False, "", "Jean MARTIN a fait l'action « … »"),  # the platform itself: nobody's card
        ("", 7, False, "", "L'assistant(e) Jean MARTIN a fait l'action « … »"),  # someone, role not said
    ],
)  # fmt: skip
def test_each_author_in_the_seed_s_wording(role, actor_id, delegated, on_behalf, said):
    values = {
        "actor_role": role,
        "actor_id": actor_id,
        "actor_name": "Jean MARTIN",
        "action_label": ACTION,
        "is_delegated": delegated,
        "on_behalf_name": on_behalf,
    }
    expected = said.replace("…", ACTION)
    assert sentence(**values) == expected
    # A row of values read with SENTENCE_COLUMNS first, other columns after.
    assert sentence_of((*(values[name] for name in SENTENCE_COLUMNS), "2026-12-03", "CPS")) == expected


def test_the_platform_s_sentence_starts_with_a_capital():
    said = sentence(
        actor_role="", actor_id=None, actor_name="la plateforme", action_label="Expiration", is_delegated=False,
        on_behalf_name="",
    )  # fmt: skip
    assert said == "La plateforme a fait l'action « Expiration »"
