"""« Attestation (PDF) »: the seed's sentence in the PDF, the entries attached, and verify_attestation."""

import io
import json
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from journal.models import Action, Entry
from tests.conftest import login_client
from tests.journal.test_chain import tamper
from tests.journal.test_checkpoints import signing  # noqa: F401  # the fixture

from .conftest import last_entry
from .test_actions import story  # noqa: F401  # the fixture

PDF_URL = "/actions-en-mon-nom/attestation.pdf"


def verify(path) -> str:
    out = io.StringIO()
    call_command("verify_attestation", str(path), stdout=out)
    return out.getvalue()


def refused(path) -> str:
    with pytest.raises(CommandError) as error:
        verify(path)
    assert error.value.returncode == 1
    return str(error.value)


@pytest.fixture
def pdf(story, tmp_path):  # noqa: F811
    response = login_client(story["martin"]).get(PDF_URL, {"filtrer": "1", "delegue": story["sophie"].holder.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "attestation.pdf"
    path.write_bytes(response.content)
    return path


def test_the_pdf_says_and_embeds_the_entries(pdf, story):  # noqa: F811
    export = last_entry()
    assert export.action == Action.HISTORY_EXPORTED and export.detail.startswith("PDF")
    attached = json.loads(PdfReader(pdf).attachments["attestation.json"][0])
    assert [e["action"] for e in attached["entries"]] == ["medical_updated", "medical_updated", "dossier_viewed"]
    assert attached["journal_head"]["sequence"] == export.sequence  # the head when drawn: the export itself
    assert attached["filters"] == ["Délégué : Sophie BERNARD"]
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True)
        flat = " ".join(text.stdout.split())
        assert "Attestation des actions faites au nom du médecin Jean MARTIN" in flat
        assert "Sophie BERNARD a fait l'action « Modification du volet médical » au nom du médecin" in flat
        assert "Comment vérifier cette attestation" in flat


def test_verify_attestation_accepts_then_refuses_a_tampered_entry(pdf):
    assert "3 entrée(s), toutes présentes et inchangées" in verify(pdf)
    attached = json.loads(PdfReader(pdf).attachments["attestation.json"][0])
    target = attached["entries"][1]["sequence"]
    tamper(("UPDATE journal_entry SET detail = %s WHERE sequence = %s", ["réécrit", target]))
    message = refused(pdf)
    assert f"Entrée n° {target}" in message and "modifiée" in message


def test_verify_attestation_refuses_an_edited_file_and_other_pdfs(pdf, tmp_path):
    import weasyprint

    attached = json.loads(PdfReader(pdf).attachments["attestation.json"][0])
    attached["entries"][0]["actor_name"] = "Quelqu'un d'autre"
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(
        weasyprint.HTML(string="<p>faux</p>").write_pdf(
            attachments=[weasyprint.Attachment(string=json.dumps(attached).encode(), name="attestation.json")]
        )
    )
    assert "l'attestation elle-même a été modifiée" in refused(forged)
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(weasyprint.HTML(string="<p>rien</p>").write_pdf())
    assert "ne contient pas la pièce jointe" in refused(plain)


def test_the_latest_signed_checkpoint_is_cited(story, signing, tmp_path):  # noqa: F811
    from journal.services import make_checkpoint

    signed = make_checkpoint(first=True)
    response = login_client(story["martin"]).get(PDF_URL)
    attached = json.loads(PdfReader(io.BytesIO(response.content)).attachments["attestation.json"][0])
    assert attached["signed_checkpoint"]["sequence"] == signed.sequence
    assert attached["signed_checkpoint"]["hash"] == signed.hash


def test_too_many_entries_for_one_attestation_says_what_to_do(story, monkeypatch):  # noqa: F811
    monkeypatch.setattr("oversight.attestation.MAX_ENTRIES", 1)
    client = login_client(story["martin"])
    response = client.get(PDF_URL, {"filtrer": "1", "delegue": story["sophie"].holder.pk}, follow=True)
    assert response.redirect_chain[-1][0].startswith("/actions-en-mon-nom/?filtrer=1&delegue=")
    assert "au plus 1 actions : précisez la période ou les filtres" in response.content.decode()
    assert not Entry.objects.filter(action=Action.HISTORY_EXPORTED).exists()
