"""The demo people, cards and dossiers of PRODUCT.md ("Demo data"). All fictitious."""

import datetime

DEMO_PIN = "1234"
CARD_VALIDITY = datetime.date(2030, 12, 31)

# (national identifier, first name, last name, e-mail, card type, card number)
DOCTORS = [
    ("899700001011", "Jean", "MARTIN", "jean.martin@example.org", "CPS", "8000000001"),
    ("899700001029", "Claire", "DUBOIS", "claire.dubois@example.org", "CPS", "8000000002"),
    ("899700001037", "Paul", "LEFÈVRE", "", "CPS", "8000000003"),
    ("899700001045", "Anne", "LEFEVRE", "", "CPS", "8000000004"),
]
# Staff of practices are not in the RPPS directory: their identifier comes from their card.
STAFF = [
    ("3690000001/SB0001", "Sophie", "BERNARD", "sophie.bernard@example.org", "CPE", "8000000005"),
    ("3750000002/MP0002", "Marc", "PETIT", "marc.petit@example.org", "CPA", "8000000006"),
]

VOLET_ADMINISTRATIF = {
    "Situation familiale": "Veuf ou veuve",
    "Adresse": "12 rue des Lilas, 69003 Lyon",
    "Personne de confiance": "Un enfant du patient (coordonnées communiquées par la famille)",
    "Établissements souhaités": "EHPAD Les Tilleuls (Lyon 3e), EHPAD Le Parc (Villeurbanne)",
    "Date d'entrée souhaitée": "Dès que possible",
}

# (doctor's national identifier, birth name, first name, birth date, sex, dossier type)
DOSSIERS = [
    ("899700001011", "ROUSSEAU", "Yvette", datetime.date(1938, 3, 14), "F", "EHPAD"),
    ("899700001011", "GIRARD", "André", datetime.date(1941, 9, 2), "M", "EHPAD"),
    ("899700001011", "FAURE", "Lucienne", datetime.date(1935, 6, 21), "F", "USLD"),
    ("899700001029", "MOREL", "Henri", datetime.date(1944, 11, 5), "M", "EHPAD"),
]
