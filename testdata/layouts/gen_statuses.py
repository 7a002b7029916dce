#!/usr/bin/python3
"""Writes the status and identity test workbooks of testdata/layouts/ with
openpyxl, as a province office's own scripts or a non-Excel program would:
statuses typed as abbreviations with dots, a yes/no admission column, a
column left all blank, rows missing only their given name or only their
surname. Every person is invented.

Run from the repository root:  /usr/bin/python3 testdata/layouts/gen_statuses.py
The generated .xlsx files are committed: the tests do not need python.
The expected counts are asserted in pipeline/layouts_statuses_test.go.
"""

import datetime
import os

import openpyxl

HERE = os.path.dirname(os.path.abspath(__file__))

ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]


def tax_code(first15):
    """first15 plus its check letter (official odd/even tables)."""
    total = 0
    for i, c in enumerate(first15):
        v = ord(c) - (ord("0") if c.isdigit() else ord("A"))
        total += ODD[v] if i % 2 == 0 else v
    return first15 + chr(ord("A") + total % 26)


def save(name, title, header, rows, title_rows=()):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for t in title_rows:
        ws.append(t)
    ws.append(header)
    for r in rows:
        ws.append(r)
    # Fixed document properties (openpyxl still stamps the zip entries).
    wb.properties.creator = "gen_statuses.py"
    wb.properties.created = datetime.datetime(2013, 6, 30, 9, 0, 0)
    wb.properties.modified = datetime.datetime(2013, 6, 30, 9, 0, 0)
    wb.save(os.path.join(HERE, name))


MOD_A = "Salute e immigrazione"
MOD_B = "Immigrazione formato famiglia"

# 1. Statuses typed as abbreviations, with and without dots, any case, under a
# title block. Accepted 7, not accepted 8 + 1 mapped in the config ("Sosp."),
# withdrawn 6, not indicated 3 ("PEND.", the typo "Amesso", empty).
abbrev = [
    "amm.", "AMM", "Amm.", "ammessa", "Ammesso/a", "acc.", "accettato",
    "non amm.", "NON AMM", "Non ammessa", "escl.", "esclusa", "respinto", "Diniegata", "non accettato",
    "rit.", "RIT", "rin.", "ritirato prima dell'inizio", "Rinunciatario", "rinuncia",
    "Sosp.",
    "PEND.", "Amesso", None,
]
surnames = ["Bassi", "Cattaneo", "Colombo", "Ferrari", "Galli", "Invernizzi", "Longhi", "Mariani", "Negri",
            "Oldani", "Pozzi", "Quaglia", "Riva", "Sala", "Tenca", "Uboldi", "Vailati", "Zanoni", "Airoldi",
            "Brambilla", "Crippa", "Dossena", "Erba", "Fumagalli", "Gerosa"]
given = ["Anna", "Bruno", "Carla", "Davide", "Elena", "Fabio", "Giulia", "Luca", "Marta", "Nicola", "Olga",
         "Paolo", "Rita", "Sergio", "Teresa", "Ugo", "Valeria", "Walter", "Ada", "Bianca", "Cesare", "Dora",
         "Enrico", "Franca", "Gino"]
save("status_abbreviations.xlsx", "Iscrizioni",
     ["N.", "Cognome", "Nome", "Ente", "Modulo", "Sede", "Esito"],
     [[i + 1, surnames[i].upper(), given[i], "Comune di Pavia", MOD_A if i % 2 == 0 else MOD_B, "Pavia", st]
      for i, st in enumerate(abbrev)],
     title_rows=[["OPI Pavia – CORRELARE, iscrizioni 2013"], ["Esiti abbreviati come in segreteria"]])

# 2. A yes/no admission column "Ammesso/a?": text, booleans and numbers as
# typed. Accepted 9, not accepted 6, not indicated 2 (empty).
yes_no = ["SI", "Sì", "S", "X", "✓", "✔", True, 1, "vero",
          "NO", "N", 0, False, "falso", "no",
          None, None]
save("yes_no_admission.xlsx", "Domande",
     ["Cognome", "Nome", "Data di nascita", "Modulo", "Ammesso/a?"],
     [[surnames[i], given[i], datetime.date(1960 + i, 1 + i % 12, 1 + i), MOD_B, v]
      for i, v in enumerate(yes_no)])

# 3. Columns left all blank: the admission column "Accettato/a?" and the
# e-mail column. Every row is an application whose outcome is not indicated.
save("blank_column.xlsx", "Foglio1",
     ["Cognome", "Nome", "Codice fiscale", "E-mail", "Modulo", "Sede", "Accettato/a?"],
     [[surnames[i], given[i], tax_code("%s%s%02dA01G388" % (surnames[i][:3].upper(), given[i][:3].upper(), 60 + i)),
       None, MOD_A, "Vigevano", None] for i in range(8)])

# 4. A row missing only its given name but with a tax code (the same person
# as row 2, in another module), and a row that names nobody (quarantined).
cf_rossi = tax_code("RSSGNN70C12G388")
save("missing_given_name.xlsx", "Iscritti",
     ["Cognome", "Nome", "Codice fiscale", "Modulo", "Esito"],
     [["ROSSI", "Giovanni", cf_rossi, MOD_A, "ammesso"],
      ["VERDI", "Laura", tax_code("VRDLRA75D52G388"), MOD_A, "ammessa"],
      ["BIANCHI", "Marco", tax_code("BNCMRC68H01G388"), MOD_A, "non ammesso"],
      ["NERI", "Sara", tax_code("NRESRA80A41G388"), MOD_B, "ritirata"],
      ["ROSSI", None, cf_rossi, MOD_B, "amm."],
      [None, None, None, MOD_B, "amm."]])

# 5. A row missing only its surname but with an e-mail (the same person as
# row 2, in another module), and a row without a module (quarantined).
save("missing_surname_email.xlsx", "Iscritti",
     ["Cognome", "Nome", "E-mail", "Telefono", "Modulo", "Esito"],
     [["Fontana", "Chiara", "chiara.fontana@comune.pavia.it", None, MOD_A, "Ammessa"],
      ["Greco", "Matteo", "m.greco@asl.pavia.it", None, MOD_A, "Ammesso"],
      ["Lombardi", "Irene", None, "0382 123456", MOD_A, "Non ammessa"],
      ["Moretti", "Pietro", "pietro.moretti@provincia.pv.it", None, MOD_B, "Ritirato"],
      [None, "Chiara", "chiara.fontana@comune.pavia.it", None, MOD_B, "amm."],
      ["Rinaldi", "Sofia", "s.rinaldi@comune.pavia.it", None, None, "amm."]])
