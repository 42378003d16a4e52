from django.db import models


class Preferences(models.Model):
    """A doctor's choices of mails about the actions done in his name, and his last two logins (« Depuis votre
    dernière connexion » counts from the one before the current session)."""

    user = models.OneToOneField(
        "accounts.User", verbose_name="médecin", on_delete=models.CASCADE, related_name="oversight_preferences"
    )
    mail_on_answer = models.BooleanField("Un délégué accepte ou refuse mon invitation", default=True)
    mail_on_validation = models.BooleanField("Un confrère valide un volet médical en mon nom", default=True)
    weekly_summary = models.BooleanField("Chaque lundi, le résumé des actions faites en mon nom", default=False)
    latest_login_at = models.DateTimeField("dernière connexion", null=True, blank=True)
    previous_login_at = models.DateTimeField("connexion précédente", null=True, blank=True)

    class Meta:
        verbose_name = "préférences de suivi"
        verbose_name_plural = "préférences de suivi"

    def __str__(self):
        return f"Préférences de {self.user}"
