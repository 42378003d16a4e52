from django.urls import path

from . import views

app_name = "delegations"

urlpatterns = [
    path("", views.my_delegations, name="list"),
    path("assistant/ajouter/", views.add_assistant, name="add-assistant"),
    path("medecin/ajouter/", views.add_colleague, name="add-colleague"),
    path("<int:pk>/", views.delegation_detail, name="detail"),
    path("<int:pk>/modifier/", views.delegation_modify, name="modify"),
    path("<int:pk>/supprimer/", views.delegation_delete, name="delete"),
    path("<int:pk>/renvoyer/", views.delegation_resend, name="resend"),
    path("recues/", views.received, name="received"),
    path("recues/<int:pk>/<str:decision>/", views.answer, name="answer"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("agir/moi/", views.act_as_myself, name="act-as-myself"),
    path("agir/<int:pk>/", views.act_for, name="act-for"),
]
