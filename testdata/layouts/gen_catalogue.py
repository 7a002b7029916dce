#!/usr/bin/python3
"""Writes the catalogue layouts of testdata/layouts with openpyxl (not our own writer).

  /usr/bin/python3 testdata/layouts/gen_catalogue.py   # Debian python3-openpyxl

Deterministic contents (fixed names and properties; the zip entries carry the time of writing).
The files are committed: the tests do not need python. What each file holds and the figures
the tests expect: pipeline/catalogue_test.go.
"""
import os

import openpyxl

HERE = os.path.dirname(os.path.abspath(__file__))

SURNAMES = ["Rossi", "Bianchi", "Colombo", "Ferrari", "Esposito", "Ricci", "Marino", "Greco",
            "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo",
            "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi",
            "Caruso", "Ferrara", "Galli", "Martini", "Leone"]
GIVEN = [("Maria", "F"), ("Luca", "M"), ("Giulia", "F"), ("Marco", "M"), ("Anna", "F"),
         ("Paolo", "M"), ("Sara", "F"), ("Elena", "F"), ("Davide", "M"), ("Chiara", "F"),
         ("Laura", "F")]


def person(i):
    g, s = GIVEN[i % len(GIVEN)]
    return SURNAMES[i % len(SURNAMES)], g, s


def save(wb, name):
    wb.properties.creator = "openpyxl (gen_catalogue.py)"
    # Fixed timestamps: the same bytes every time the script runs.
    import datetime
    wb.properties.created = datetime.datetime(2013, 7, 1, 9, 0, 0)
    wb.properties.modified = datetime.datetime(2013, 7, 1, 9, 0, 0)
    wb.save(os.path.join(HERE, name))


def status(k):
    # first enrolment of each module not accepted, the fourth withdrawn, others accepted
    return {0: "non ammesso", 3: "ritirato"}.get(k, "ammesso")


# (a) BG: enrolments name their module by code ("XX-01", typed with varying case and
# spaces) in a "Modulo" column; the catalogue sheet of the same workbook lists code,
# title, axis, site, planned hours and sessions. The enrolment sheet's "N." is a row counter.
BG_CATALOGUE = [
    ("XX-01", "Lingua e valori della cittadinanza", "I", "Bergamo", 16, 4),
    ("XX-02", "Lavoratori stranieri e servizi per il lavoro", "II", "Bergamo", 16, 4),
    ("XX-03", "Abitare e governo del territorio", "III", "Treviglio", 12, 3),
    ("XX-04", "Salute e immigrazione", "IV", "Bergamo", 16, 4),
    ("XX-05", "I servizi territoriali e la presa in carico", "IV", "Treviglio", 16, 4),
    ("XX-06", "Minori e seconde generazioni", "V", "Seriate", 8, 2),
    ("XX-07", "Salute e immigrazione", "IV", "Seriate", 16, 4),
]
BG_TYPED = ["XX-01", "xx-02", " XX-03", "XX - 04", "Xx-05", "XX-06 ", "XX-07"]


def bg():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Iscrizioni"
    ws.append(["N.", "Cognome", "Nome", "Sesso", "Ente di appartenenza", "Modulo", "Esito", "Ore frequentate"])
    n = 0
    for m, (code, title, axis, site, hours, sessions) in enumerate(BG_CATALOGUE):
        for k in range(3):
            sur, giv, sex = person(n)
            st = status(k)
            att = hours * 3 // 4 if st == "ammesso" else None
            ws.append([n + 1, sur, giv, sex, "Comune di Bergamo", BG_TYPED[m], st, att])
            n += 1
    cat = wb.create_sheet("Catalogo moduli")
    cat.append(["Codice", "Titolo", "Asse", "Sede", "Ore previste", "Incontri"])
    for row in BG_CATALOGUE:
        cat.append(list(row))
    save(wb, "catalogue_codes_same_workbook.xlsx")


# (b) VA: the catalogue in a workbook of its own (only the modules sheet, under a title),
# and two enrolment files: one names the module by code only ("Codice corso"), the other
# by title (+ site where the title is there twice).
VA_CATALOGUE = [
    ("VA1", "Intercultura nei servizi", "IV", "Varese", 16, 4),
    ("VA2", "Intercultura nei servizi", "IV", "Gallarate", 16, 4),
    ("VA3", "Il lavoro degli stranieri", "II", "Varese", 12, 3),
    ("VA4", "Minori stranieri non accompagnati", "V", "Busto Arsizio", 10, 3),
]


def va():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Moduli"
    ws.append(["Catalogo dei moduli CORRELARE 2013 - Provincia di Varese"])
    ws.append([])
    ws.append(["Cod.", "Titolo del corso", "Asse", "Sede", "Ore previste", "N. incontri"])
    for row in VA_CATALOGUE:
        ws.append(list(row))
    save(wb, "catalogue_separate_file.xlsx")

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Iscrizioni"
    ws.append(["Cognome", "Nome", "Sesso", "Codice corso", "Esito", "Ore frequentate"])
    n = 0
    for code, _, _, _, hours, _ in VA_CATALOGUE:
        for k in range(3):
            sur, giv, sex = person(n)
            st = status(k)
            ws.append([sur, giv, sex, code.lower() if k == 2 else code, st, hours / 2 if st == "ammesso" else None])
            n += 1
    save(wb, "catalogue_separate_enrolments_by_code.xlsx")

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Iscrizioni"
    ws.append(["Cognome", "Nome", "Sesso", "Titolo corso", "Sede", "Esito", "Ore frequentate"])
    n = 12
    for _, title, _, site, hours, _ in VA_CATALOGUE:
        for k in range(2):
            sur, giv, sex = person(n)
            # the site only where the title alone does not tell the module
            typed_site = site if title == "Intercultura nei servizi" else None
            ws.append([sur, giv, sex, title.upper() if k == 1 else title, typed_site, "ammessa" if sex == "F" else "ammesso", hours])
            n += 1
    save(wb, "catalogue_separate_enrolments_by_title.xlsx")


# (c) LC: a catalogue sheet numbered in an "N." column (unique: the module's code) and an
# enrolment sheet numbered in its own "N." column (a row counter), one enrolment naming a
# module the catalogue does not list.
LC_CATALOGUE = [
    (1, "Donne straniere e conciliazione", "IV", "Lecco", 16),
    (2, "Accesso ai servizi sanitari", "IV", "Merate", 16),
    (3, "Scuola e famiglie straniere", "V", "Lecco", 12),
]


def lc():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Moduli"
    ws.append(["N.", "Titolo", "Asse", "Sede", "Durata (ore)"])
    for row in LC_CATALOGUE:
        ws.append(list(row))
    ws = wb.create_sheet("Iscritti")
    ws.append(["N.", "Cognome", "Nome", "Sesso", "Modulo", "Esito"])
    n = 20
    for _, title, _, _, _ in LC_CATALOGUE:
        for k in range(2):
            sur, giv, sex = person(n)
            ws.append([n - 19, sur, giv, sex, title, "ammesso"])
            n += 1
    sur, giv, sex = person(n)
    ws.append([n - 19, sur, giv, sex, "Mediazione linguistica (corso non previsto)", "ammesso"])
    save(wb, "catalogue_module_not_listed.xlsx")


if __name__ == "__main__":
    bg()
    va()
    lc()
