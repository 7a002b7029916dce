"""Writes modello_vuoto.xlsx with openpyxl (another program than ours): the
blank enrolment template a region hands every province, i.e. Cremona's
demo workbook emptied to its title and header, with no modules sheet and no
data row. Two provinces sending it unchanged send the same bytes: the test
TestEmptyTemplateInTwoProvinces (pipeline/template_test.go) loads it in both.

Run from this folder: /usr/bin/python3 gen_template.py (needs
python3-openpyxl). The output is committed: the tests do not need python.
"""
import openpyxl

SRC = "../demo/CR/CR_CORRELARE_iscrizioni_gen-giu_2013.xlsx"
HEADER_ROW = 3  # title, blank row, header

src = openpyxl.load_workbook(SRC)
sheet = src.worksheets[0]
wb = openpyxl.Workbook()
ws = wb.active
ws.title = sheet.title
for row in sheet.iter_rows(min_row=1, max_row=HEADER_ROW, values_only=True):
    ws.append(list(row))
wb.save("modello_vuoto.xlsx")
