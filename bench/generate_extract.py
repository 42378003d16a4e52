"""Generator of fictitious national directory extracts, in the real format (any size, header, encoding).

    .venv/bin/python bench/generate_extract.py OUT.txt --lines 2300000 [--header 56|52|48]
        [--encoding utf-8|utf-8-sig|cp1252] [--seed 1] [--zip]

One line per professional x place of practice (about 1.6 lines per person), `|`-separated with a trailing `|`,
CRLF line ends. Realistic distributions: frequent surnames (MARTIN...) plus a long tail, accented and compound
names, big towns and many small ones, several professions (about a fifth are médecins), RPPS and some ADELI.
Everybody is fictitious. Deterministic for a given seed.
"""

import argparse
import itertools
import random
import sys
import zipfile
from pathlib import Path

from faker.providers.address.fr_FR import Provider as AddressProvider
from faker.providers.person.fr_FR import Provider as PersonProvider

HEADER_56 = [
    "Type d'identifiant PP",
    "Identifiant PP",
    "Identification nationale PP",
    "Code civilité d'exercice",
    "Libellé civilité d'exercice",
    "Code civilité",
    "Libellé civilité",
    "Nom d'exercice",
    "Prénom d'exercice",
    "Code profession",
    "Libellé profession",
    "Code catégorie professionnelle",
    "Libellé catégorie professionnelle",
    "Code type savoir-faire",
    "Libellé type savoir-faire",
    "Code savoir-faire",
    "Libellé savoir-faire",
    "Code mode exercice",
    "Libellé mode exercice",
    "Numéro SIRET site",
    "Numéro SIREN site",
    "Numéro FINESS site",
    "Numéro FINESS établissement juridique",
    "Identifiant technique de la structure",
    "Raison sociale site",
    "Enseigne commerciale site",
    "Complément destinataire (coord. structure)",
    "Complément point géographique (coord. structure)",
    "Numéro Voie (coord. structure)",
    "Indice répétition voie (coord. structure)",
    "Code type de voie (coord. structure)",
    "Libellé type de voie (coord. structure)",
    "Libellé Voie (coord. structure)",
    "Mention distribution (coord. structure)",
    "Bureau cedex (coord. structure)",
    "Code postal (coord. structure)",
    "Code commune (coord. structure)",
    "Libellé commune (coord. structure)",
    "Code pays (coord. structure)",
    "Libellé pays (coord. structure)",
    "Téléphone (coord. structure)",
    "Téléphone 2 (coord. structure)",
    "Télécopie (coord. structure)",
    "Adresse e-mail (coord. structure)",
    "Code Département (structure)",
    "Libellé Département (structure)",
    "Ancien identifiant de la structure",
    "Autorité d'enregistrement",
    "Code secteur d'activité",
    "Libellé secteur d'activité",
    "Code section tableau pharmaciens",
    "Libellé section tableau pharmaciens",
    "Code rôle",
    "Libellé rôle",
    "Code genre activité",
    "Libellé genre activité",
]
# Reconstructed older headers: 52 columns before "rôle" and "genre activité", 48 before "secteur d'activité"
# and "section tableau pharmaciens" too.
HEADERS = {56: HEADER_56, 52: HEADER_56[:52], 48: HEADER_56[:48]}
assert all(len(h) == n for n, h in HEADERS.items())  # noqa: S101

PROFESSIONS = [  # code, label, weight (%)
    ("10", "Médecin", 20),
    ("60", "Infirmier", 34),
    ("21", "Pharmacien", 7),
    ("70", "Masseur-Kinésithérapeute", 10),
    ("40", "Chirurgien-Dentiste", 4),
    ("50", "Sage-Femme", 2),
    ("91", "Orthophoniste", 3),
    ("80", "Pédicure-Podologue", 1),
    ("28", "Opticien-Lunetier", 3),
    ("26", "Audioprothésiste", 1),
    ("96", "Psychomotricien", 1),
    ("69", "Ergothérapeute", 2),
    ("94", "Orthoptiste", 1),
    ("98", "Manipulateur ERM", 3),
    ("95", "Diététicien", 2),
    ("86", "Technicien de laboratoire", 2),
]
SPECIALTIES = [
    ("SM54", "Médecine générale"),
    ("SM26", "Qualifié en Médecine Générale"),
    ("SM04", "Cardiologie"),
    ("SM15", "Dermatologie"),
    ("SM42", "Pédiatrie"),
    ("SM53", "Psychiatrie"),
    ("SM02", "Anesthésie-réanimation"),
    ("SM38", "Ophtalmologie"),
    ("SM40", "Oto-rhino-laryngologie"),
    ("SM19", "Gynécologie-obstétrique"),
]
BIG_TOWNS = [  # commune, postal code, INSEE code, weight
    ("Paris", "75015", "75115", 60),
    ("Paris", "75016", "75116", 30),
    ("Paris", "75008", "75108", 20),
    ("Marseille", "13008", "13208", 25),
    ("Marseille", "13005", "13205", 15),
    ("Lyon", "69003", "69383", 15),
    ("Lyon", "69006", "69386", 12),
    ("Toulouse", "31000", "31555", 15),
    ("Nice", "06000", "06088", 12),
    ("Nantes", "44000", "44109", 10),
    ("Strasbourg", "67000", "67482", 10),
    ("Montpellier", "34000", "34172", 10),
    ("Bordeaux", "33000", "33063", 10),
    ("Lille", "59000", "59350", 10),
    ("Rennes", "35000", "35238", 8),
    ("Reims", "51100", "51454", 6),
    ("Saint-Étienne", "42000", "42218", 6),
    ("Le Havre", "76600", "76351", 5),
    ("Toulon", "83000", "83137", 5),
    ("Grenoble", "38000", "38185", 6),
    ("Dijon", "21000", "21231", 5),
    ("Angers", "49000", "49007", 5),
    ("Villeurbanne", "69100", "69266", 5),
    ("Saint-Denis", "97400", "97411", 4),
    ("Aix-en-Provence", "13100", "13001", 5),
    ("Clermont-Ferrand", "63000", "63113", 5),
    ("Brest", "29200", "29019", 4),
    ("Ajaccio", "20000", "2A004", 2),
    ("Bastia", "20200", "2B033", 2),
    ("Fort-de-France", "97200", "97209", 2),
    ("L'Haÿ-les-Roses", "94240", "94038", 1),
    ("Châlons-en-Champagne", "51000", "51108", 2),
]
TOWN_WORDS = [
    "Saint-Martin",
    "Saint-Jean",
    "Sainte-Marie",
    "Villeneuve",
    "Montigny",
    "Beaumont",
    "Fontaine",
    "Châteauneuf",
    "Neuville",
    "Bourg",
    "Mont",
    "Roche",
    "Val",
    "Bois",
    "Champ",
    "Pont",
    "Ville",
    "Éloise",
]
TOWN_SUFFIXES = ["", "-sur-Mer", "-sur-Loire", "-le-Château", "-la-Forêt", "-en-Vallée", "-lès-Bains", "-d'Azur"]
SYLLABLES = [
    "ba",
    "ber",
    "cha",
    "dou",
    "fa",
    "gué",
    "lan",
    "le",
    "mar",
    "mo",
    "nié",
    "pa",
    "quin",
    "ro",
    "sé",
    "tel",
    "va",
    "vi",
    "zo",
    "ran",
    "col",
    "dré",
    "bou",
    "ché",
    "gal",
    "lot",
    "mé",
    "ni",
    "ol",
    "pré",
    "tru",
]
STREET_TYPES = [("R", "Rue"), ("AV", "Avenue"), ("BD", "Boulevard"), ("PL", "Place"), ("CHE", "Chemin")]
MODES = [("L", "Libéral", 55), ("S", "Salarié", 40), ("B", "Bénévole", 5)]


def _cumulative(weights):
    return list(itertools.accumulate(weights))


def _department(postal_code: str, insee: str) -> str:
    if postal_code.startswith("97"):
        return postal_code[:3]
    if postal_code.startswith("20"):
        return insee[:2]  # 2A / 2B
    return postal_code[:2]


class Generator:
    def __init__(self, seed: int = 1):
        self.rnd = rnd = random.Random(seed)  # noqa: S311 (fictitious data)
        departments = dict(AddressProvider.departments)
        self.department_names = departments
        # Surnames as in France: the 400 most frequent (weight 1/sqrt(rank): MARTIN about 0.5 %, the 400 together
        # about 20 %), then a long tail of invented ones.
        common = [n.upper() for n in PersonProvider.last_names] + ["LEFÈVRE", "LEFEVRE", "D'ARTOIS", "N'DIAYE"]
        tail = {"".join(rnd.choices(SYLLABLES, k=rnd.randint(2, 4))).upper() for _ in range(60_000)}
        tail |= {
            f"{a}-{b}" for a, b in zip(rnd.choices(common, k=3000), rnd.choices(sorted(tail), k=3000), strict=True)
        }
        self.surnames = common + sorted(tail)
        head = [(i + 1) ** -0.5 for i in range(len(common))]
        tail_weight = sum(head) * 4 / len(tail)
        self.surname_cum = _cumulative(head + [tail_weight] * len(tail))
        self.first_names = list(PersonProvider.first_names_male) + list(PersonProvider.first_names_female)
        self.first_names += ["Jean-Pierre", "Marie-Claire", "Anne-Sophie", "Hélène", "Éric", "Zoé"]
        towns = list(BIG_TOWNS)
        for code, _name in departments.items():
            if len(code) != 2 or not code.isdigit():
                continue
            for i in range(40):
                name = rnd.choice(TOWN_WORDS) + rnd.choice(TOWN_SUFFIXES) + ("" if i < 20 else f"-{i}")
                cp = f"{code}{rnd.randint(0, 99) * 10:03d}"
                towns.append((name, cp, f"{code}{rnd.randint(1, 999):03d}", 0.15))
        self.towns = towns
        self.town_cum = _cumulative([t[3] for t in towns])
        self.professions = PROFESSIONS
        self.profession_cum = _cumulative([p[2] for p in PROFESSIONS])

    def person(self, number: int):
        rnd = self.rnd
        adeli = rnd.random() < 0.1
        identifier = f"{100000000 + number:09d}" if adeli else f"{10000000000 + number * 7:011d}"
        id_type = "0" if adeli else "8"
        last = rnd.choices(self.surnames, cum_weights=self.surname_cum)[0]
        first = rnd.choice(self.first_names)
        profession = rnd.choices(self.professions, cum_weights=self.profession_cum)[0]
        specialty = rnd.choice(SPECIALTIES) if profession[0] == "10" else ("", "")
        civ = rnd.choice([("M", "Monsieur"), ("MME", "Madame")])
        civ_ex = ("DR", "Docteur") if profession[0] in ("10", "40") and rnd.random() < 0.8 else ("", "")
        return id_type, identifier, last, first, profession, specialty, civ, civ_ex

    def lines(self, total: int, width: int):
        rnd = self.rnd
        produced = number = 0
        while produced < total:
            number += 1
            id_type, identifier, last, first, profession, specialty, civ, civ_ex = self.person(number)
            places = rnd.choices([1, 2, 3, 4], [60, 25, 10, 5])[0]
            for _ in range(min(places, total - produced)):
                town, cp, insee, _w = rnd.choices(self.towns, cum_weights=self.town_cum)[0]
                dept = _department(cp, insee)
                mode = rnd.choices(MODES, [m[2] for m in MODES])[0]
                street = rnd.choice(STREET_TYPES)
                email = f"{first[0].lower()}.{identifier}@example.org" if rnd.random() < 0.3 else ""
                row = [
                    id_type,
                    identifier,
                    id_type + identifier,
                    *civ_ex,
                    *civ,
                    last,
                    first,
                    profession[0],
                    profession[1],
                    "C",
                    "Civil",
                    "S" if specialty[0] else "",
                    "Spécialité ordinale" if specialty[0] else "",
                    *specialty,
                    mode[0],
                    mode[1],
                    f"{rnd.randint(10**13, 10**14 - 1)}",
                    "",
                    "",
                    "",
                    f"R{rnd.randint(10, 99)}",
                    f"CABINET {last}",
                    "",
                    "",
                    "",
                    str(rnd.randint(1, 200)),
                    "",
                    street[0],
                    street[1],
                    f"des {rnd.choice(TOWN_WORDS)}",
                    "",
                    f"{cp} {town.upper()}",
                    cp,
                    insee,
                    town,
                    "99000",
                    "France",
                    f"0{rnd.randint(100000000, 999999999)}",
                    "",
                    "",
                    email,
                    dept,
                    self.department_names.get(dept, ""),
                    "",
                    "ARS/ARS/ARS",
                    "SA07",
                    "Cabinet individuel",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
                yield "|".join(row[:width]) + "|\r\n"
                produced += 1


def generate(out: Path, lines: int, header: int = 56, encoding: str = "utf-8", seed: int = 1, as_zip=False) -> Path:
    """Write the extract; returns its path (the zip when `as_zip`)."""
    columns = HEADERS[header]
    out = Path(out)
    txt = out.with_suffix(".txt") if as_zip else out
    with open(txt, "w", encoding=encoding, errors="replace", newline="") as f:
        f.write("|".join(columns) + "|\r\n")
        buffer = []
        for line in Generator(seed).lines(lines, len(columns)):
            buffer.append(line)
            if len(buffer) >= 10_000:
                f.write("".join(buffer))
                buffer = []
        f.write("".join(buffer))
    if not as_zip:
        return txt
    archive = out.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(txt, arcname=txt.name)
    txt.unlink()
    return archive


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--lines", type=int, default=23_000)
    parser.add_argument("--header", type=int, choices=sorted(HEADERS), default=56)
    parser.add_argument("--encoding", choices=["utf-8", "utf-8-sig", "cp1252"], default="utf-8")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--zip", action="store_true", help="écrit l'archive .zip officielle au lieu du .txt")
    args = parser.parse_args(argv)
    path = generate(args.out, args.lines, args.header, args.encoding, args.seed, args.zip)
    print(f"{path} : {args.lines} lignes, {args.header} colonnes, {args.encoding}", file=sys.stderr)


if __name__ == "__main__":
    main()
