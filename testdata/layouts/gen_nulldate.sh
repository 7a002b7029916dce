#!/bin/sh
# gen_nulldate.sh writes, with LibreOffice Calc, nulldate_1904.ods and
# nulldate_1904.xlsx from the flat OpenDocument source nulldate_source.fods
# beside this script: a workbook whose null date is 1904-01-01 (Tools >
# Options > Calc > Calculate > Date, as a Mac Excel file opened in
# LibreOffice keeps it), with date cells (birth dates, one application date)
# and one application date typed as the bare number 39847 (2013-02-04 counted
# from 1904). LibreOffice writes the .ods with table:null-date 1904-01-01 and
# the .xlsx with Excel's 1904 date system: both must read alike
# (sources/formats_test.go, TestNullDate1904).
#
# It also writes nulldate_1900.ods from nulldate_1900_source.fods: the same
# rows under the old StarCalc null date 1900-01-01, with a "Verifica" column
# of formulas =TEXT(F;"YYYY-MM-DD") that LibreOffice computes when it saves:
# its own reading of the application dates, the bare number 39847 included
# (2009-02-05 counted from 1900-01-01; TestNullDateStarCalc).
#
# The files are committed: tests need neither LibreOffice nor this script.
# Run from anywhere: sh testdata/layouts/gen_nulldate.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/nulldate_source.fods" "$work/nulldate_1904.fods"
for target in 'ods:calc8' 'xlsx:Calc MS Excel 2007 XML'; do
	soffice --headless -env:UserInstallation="file://$work/profile" \
		--convert-to "$target" --outdir "$work" "$work/nulldate_1904.fods" >/dev/null
done
cp "$here/nulldate_1900_source.fods" "$work/nulldate_1900.fods"
soffice --headless -env:UserInstallation="file://$work/profile" \
	--convert-to ods:calc8 --outdir "$work" "$work/nulldate_1900.fods" >/dev/null
for f in nulldate_1904.ods nulldate_1904.xlsx nulldate_1900.ods; do
	test -s "$work/$f" || { echo "gen_nulldate.sh: $f not written" >&2; exit 1; }
	cp "$work/$f" "$here/$f"
done
echo "written: nulldate_1904.ods nulldate_1904.xlsx nulldate_1900.ods"
