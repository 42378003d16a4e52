from django.core.mail import send_mail


def test_smtp_server_receives_a_mail_sent_by_django(smtp_server):
    sent = send_mail(
        "Invitation à gérer les dossiers du Dr Jean MARTIN",
        "Bonjour Sophie,\nLe médecin Jean MARTIN vous délègue des droits.",
        "Espace médecins <ne-pas-repondre@example.org>",
        ["sophie.bernard@example.org"],
    )

    assert sent == 1
    [mail] = smtp_server.to("sophie.bernard@example.org")
    assert mail.mail_from == "ne-pas-repondre@example.org"
    assert mail.subject == "Invitation à gérer les dossiers du Dr Jean MARTIN"
    assert mail.message["To"] == "sophie.bernard@example.org"
    assert "Le médecin Jean MARTIN vous délègue des droits." in mail.body
    assert smtp_server.messages == [mail.message]
