#!/usr/bin/env python3
"""Write the ingest benchmark workbook with openpyxl (issue 11, item 7).

A 200,000-row x 11-column enrolment workbook like the one demo.Large writes
(same header row, sheet "Iscrizioni"), but written by another program: openpyxl
in write-only mode (openpyxl 3.0 writes strings inline; dates are numbers
with a date style, as in the provinces' files). Deterministic (fixed
seed): same rows every time. Synthetic people only.

    python3 testdata/bench/gen_200k.py var/bench/enrolments_200k_openpyxl.xlsx [rows]
"""
import datetime
import os
import random
import sys

from openpyxl import Workbook

HEADERS = ["Cognome", "Nome", "Codice fiscale", "Sesso", "Data di nascita", "Ente",
           "Qualifica", "Titolo corso", "Sede", "Esito", "Ore frequentate"]

SURNAMES = ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
            "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa",
            "Giordano", "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro",
            "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini", "Leone", "Longo",
            "Gentile", "Martinelli", "Vitale", "Lombardo", "Serra", "Coppola", "De Santis",
            "D'Angelo", "Marchetti", "Parisi", "Villa", "Conte", "Ferraro", "Ferri", "Fabbri",
            "Bianco", "Marini", "Grasso", "Valentini", "Messina", "Sala", "De Angelis", "Gatti"]
MALE = ["Marco", "Alessandro", "Giuseppe", "Luca", "Andrea", "Francesco", "Matteo", "Lorenzo",
        "Davide", "Simone", "Federico", "Riccardo", "Stefano", "Paolo", "Giovanni", "Antonio",
        "Roberto", "Massimo", "Fabio", "Nicola", "Ahmed", "Mohamed", "Ion", "Karim"]
FEMALE = ["Giulia", "Francesca", "Chiara", "Sara", "Martina", "Valentina", "Elena", "Laura",
          "Alessia", "Federica", "Silvia", "Anna", "Maria", "Paola", "Roberta", "Elisa",
          "Monica", "Cristina", "Barbara", "Simona", "Fatima", "Elena Maria", "Ioana", "Amina"]
ROLES = [("Assistente sociale", "Assistente sociale"), ("Educatore", "Educatrice"),
         ("Mediatore culturale", "Mediatrice culturale"),
         ("Impiegato amministrativo", "Impiegata amministrativa"), ("Infermiere", "Infermiera"),
         ("Agente di polizia", "Agente di polizia"), ("Operatore di sportello", "Operatrice di sportello"),
         ("Psicologo", "Psicologa"), ("Insegnante", "Insegnante"),
         ("Coordinatore di servizio", "Coordinatrice di servizio"), ("Medico", "Medico"),
         ("Volontario", "Volontaria"), ("Funzionario", "Funzionaria")]
ORGS = ["Comune di Cremona", "Comune di Crema", "ASST di Cremona", "ATS Val Padana",
        "Questura di Cremona", "Cooperativa sociale Il Cerchio", "Caritas diocesana",
        "Consorzio Servizi Sociali Cremasco", "Comune di Casalmaggiore", "CGIL Cremona",
        "Azienda Sociale Cremonese", "Fondazione Città di Cremona"]
COURSES = ["Diritto dell'immigrazione", "Comunicazione interculturale",
           "Accoglienza e orientamento ai servizi", "Tutela dei minori stranieri",
           "Salute e migrazione", "Lavoro di rete nei servizi", "Mediazione dei conflitti",
           "Protezione internazionale", "Lingua e cittadinanza", "Contrasto alla tratta"]
SITES = ["Cremona", "Crema", "Casalmaggiore", "Soresina", "Pizzighettone", "online"]
ACCEPTED = {"M": ["ammesso", "Ammesso", "SI", "accettato"], "F": ["ammessa", "Ammessa", "SI", "accettata"]}
REJECTED = {"M": ["non ammesso", "respinto", "NO"], "F": ["non ammessa", "respinta", "NO"]}
WITHDRAWN = {"M": ["ritirato", "rinuncia"], "F": ["ritirata", "rinuncia"]}
COMUNI = ["D150", "D142", "B898", "I849", "G721", "F205", "B157", "Z100", "Z330", "Z129"]

MONTHS = "ABCDEHLMPRST"
ODD = dict(zip("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
               [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18,
                20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]))


def letters(s):
    return [c for c in s.upper() if c.isalpha() and c.isascii()]


def part(s, given):
    ls = letters(s)
    cons = [c for c in ls if c not in "AEIOU"]
    vow = [c for c in ls if c in "AEIOU"]
    if given and len(cons) >= 4:
        cons = [cons[0], cons[2], cons[3]]
    return "".join((cons + vow + ["X", "X", "X"])[:3])


def check(cf15):
    t = 0
    for i, c in enumerate(cf15):
        if i % 2 == 0:
            t += ODD[c]
        else:
            t += int(c) if c.isdigit() else ord(c) - ord("A")
    return chr(ord("A") + t % 26)


def tax_code(surname, given, birth, sex, comune):
    day = birth.day + (40 if sex == "F" else 0)
    cf = part(surname, False) + part(given, True) + "%02d" % (birth.year % 100) + \
        MONTHS[birth.month - 1] + "%02d" % day + comune
    return cf + check(cf)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: gen_200k.py OUT.xlsx [rows]")
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
    r = random.Random(20261202)
    # A population of people, each with one or more enrolments (repeaters).
    people = []
    for _ in range(max(1, n * 2 // 3)):
        sex = "F" if r.random() < 0.62 else "M"
        surname = r.choice(SURNAMES)
        given = r.choice(FEMALE if sex == "F" else MALE)
        birth = datetime.date(1955, 1, 1) + datetime.timedelta(days=r.randrange(17000))
        cf = tax_code(surname, given, birth, sex, r.choice(COMUNI))
        role = r.choice(ROLES)[1 if sex == "F" else 0]
        people.append((surname, given, cf, sex, birth, r.choice(ORGS), role))

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Iscrizioni")
    ws.append(HEADERS)
    for _ in range(n):
        surname, given, cf, sex, birth, org, role = r.choice(people)
        u = r.random()
        if u < 0.75:
            status = r.choice(ACCEPTED[sex])
            hours = r.choice([4, 8, 12, 16, 16, 20, 24]) if r.random() < 0.9 else None
        elif u < 0.9:
            status, hours = r.choice(REJECTED[sex]), None
        else:
            status, hours = r.choice(WITHDRAWN[sex]), None
        b = birth
        if r.random() < 0.02:
            b = None  # birth date missing
        elif r.random() < 0.03:
            b = birth.strftime("%d/%m/%Y")  # typed as text
        ws.append([surname, given, cf, sex, b, org, role, r.choice(COURSES), r.choice(SITES),
                   status, hours])
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp"
    wb.save(tmp)
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
