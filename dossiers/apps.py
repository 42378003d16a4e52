from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = "Dossiers d'admission"
