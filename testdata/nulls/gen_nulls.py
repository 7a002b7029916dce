#!/usr/bin/env python3
"""Writes the workbooks of the "no data value can fail a run" tests
(pipeline/nulls_test.go) with openpyxl, a program other than ours:

  SO/SO_campi_vuoti.xlsx      every column, one at a time, blank or unreadable
  BS/BS_esiti_illeggibili.xlsx 30 complete rows whose every status is a word
                               the normaliser does not know

Run from the repository root:  /usr/bin/python3 testdata/nulls/gen_nulls.py
The output is committed; the tests do not need python.
"""
import datetime
import os

from openpyxl import Workbook

HERE = os.path.dirname(os.path.abspath(__file__))

# Header, a valid value, an unreadable value (None: the column has no
# unreadable form other than blank, e.g. free text).
COLUMNS = [
    ("Cognome", "Rossi", None),
    ("Nome", "Maria", None),
    ("Codice fiscale", "RSSMRA80A41D150N", "NON-UN-CODICE"),
    ("Sesso", "F", "forse"),
    ("Data di nascita", datetime.date(1980, 1, 1), "trentadue febbraio"),
    ("Luogo di nascita", "Cremona", None),
    ("E-mail", "maria.rossi@example.org", "non ho la mail @@"),
    ("Telefono", "0372 123456", "chiamare in ufficio"),
    ("Comune di residenza", "Sondrio", None),
    ("Ente di appartenenza", "Comune di Sondrio", None),
    ("Tipo ente", "Comune", None),
    ("Qualifica", "Assistente sociale", None),
    ("Codice modulo", "SO-01", None),
    ("Titolo modulo", "Salute e immigrazione", None),
    ("Edizione", "1", None),
    ("Sede", "Sondrio", None),
    ("Asse", "IV", "asse sbagliato"),
    ("Ore previste", 16, "sedici ore circa"),
    ("N. incontri", 4, "qualche"),
    ("Data inizio", datetime.date(2013, 2, 4), "a febbraio"),
    ("Data fine", datetime.date(2013, 3, 25), "a marzo"),
    ("Data domanda", datetime.date(2013, 1, 15), "ieri"),
    ("Esito", "ammessa", "in valutazione"),
    ("Ore frequentate", 12, "abbastanza"),
    ("Gradimento", 4, "molto"),
]

GIVEN = ["Maria", "Anna", "Giulia", "Sara", "Laura", "Paola", "Elena", "Chiara",
         "Marco", "Luca", "Paolo", "Andrea", "Davide", "Simone", "Matteo"]
SURNAMES = ["Rossi", "Bianchi", "Ferrari", "Esposito", "Colombo", "Ricci",
            "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Costa",
            "Giordano", "Mancini", "Rizzo", "Lombardi", "Moretti"]


def sondrio(path):
    """One block per column: a row where only that column is blank, then a
    row where only that column is unreadable; then a row where every column
    but the three required ones is blank, and one where every column is
    unreadable (and the required ones hold hostile text)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Iscrizioni"
    ws.append([c[0] for c in COLUMNS])
    n = 0
    for i, (header, _, bad) in enumerate(COLUMNS):
        for variant in ("blank", "unreadable"):
            row = []
            for j, (_, good, _) in enumerate(COLUMNS):
                v = good
                if j == 0:
                    v = SURNAMES[n % len(SURNAMES)]
                elif j == 1:
                    v = GIVEN[n % len(GIVEN)]
                elif j == 2:
                    v = None  # distinct people: no shared tax code
                if j == i:
                    v = None if variant == "blank" or bad is None else bad
                    if variant == "unreadable" and bad is None:
                        v = "-"  # a placeholder: typed to say nothing
                row.append(v)
            ws.append(row)
            n += 1
    # Only the required columns.
    ws.append(["Verdi", "Carla"] + [None] * 11 + ["Salute e immigrazione"] + [None] * 11)
    # Every optional column unreadable; required ones hostile but present:
    # formula-like text (stored as text, not as a formula), bidi marks, emoji,
    # a 3,000-character title, tabs and line breaks (openpyxl refuses other
    # control characters).
    hostile = ["=cmd|' /C calc'!A0", "\u202eanirA\u202c \U0001F469\U0001F3FD\u200d\u2695\ufe0f"] + \
        [c[2] if c[2] is not None else "n.d." for c in COLUMNS[2:13]] + \
        ["@SUM(1+1)*cmd|'/C calc'!A0 " + "x" * 3000] + \
        [c[2] if c[2] is not None else "riga 1\nriga 2\t\u200f" for c in COLUMNS[14:]]
    r = ws.max_row + 1
    for j, v in enumerate(hostile, start=1):
        cell = ws.cell(row=r, column=j)
        cell.value = v
        if isinstance(v, str) and v[:1] in "=+-@":
            cell.data_type = "s"  # text that looks like a formula
    wb.save(path)


STATUSES = ["in valutazione", "sospesa", "?", "da verificare", "boh",
            "in attesa", "lista d'attesa", "riserva", "forse", "TBD"]


def brescia(path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Domande"
    ws.append(["Cognome", "Nome", "Sesso", "Data di nascita", "Ente", "Modulo",
               "Sede", "Asse", "Ore previste", "Esito", "Ore frequentate", "Gradimento"])
    for i in range(30):
        ws.append([SURNAMES[i % len(SURNAMES)], GIVEN[(i * 7) % len(GIVEN)],
                   "F" if i % 3 else "M", datetime.date(1960 + i, 1 + i % 12, 1 + i % 28),
                   "ASL di Brescia", "Lavoratori stranieri e procedure di ingresso" if i % 2 else "Salute e immigrazione",
                   "Brescia", "II" if i % 2 else "IV", 16, STATUSES[i % len(STATUSES)], 10 + i % 6, 1 + i % 5])
    wb.save(path)


def main():
    for sub in ("SO", "BS"):
        os.makedirs(os.path.join(HERE, sub), exist_ok=True)
    sondrio(os.path.join(HERE, "SO", "SO_campi_vuoti.xlsx"))
    brescia(os.path.join(HERE, "BS", "BS_esiti_illeggibili.xlsx"))


if __name__ == "__main__":
    main()
