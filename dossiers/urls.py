from django.urls import path

from . import views

app_name = "dossiers"

urlpatterns = [
    path("", views.dossier_list, name="list"),
    path("nouveau/", views.dossier_create, name="create"),
    path("<str:number>/", views.dossier_detail, name="detail"),
    path("<str:number>/historique/", views.dossier_history_page, name="history"),
    path("<str:number>/volet-medical/", views.medical_update, name="medical-update"),
    path("<str:number>/valider/", views.medical_validate, name="validate"),
    path("<str:number>/envoyer/", views.dossier_send, name="send"),
    path("<str:number>/archiver/", views.dossier_archive, name="archive"),
]
