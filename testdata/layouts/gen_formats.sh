#!/bin/sh
# gen_formats.sh writes, with LibreOffice Calc, the .ods/.xls/.xlsx test
# workbooks of the formats reader (sources/ods.go, sources/xls.go) from the
# flat OpenDocument source formats_source.fods beside this script:
#
#   libreoffice_title_merged.{ods,xls,xlsx}  a title row above the header,
#       merged group labels over the header (one merged down over two rows),
#       date cells, a formula, a totals row, a blank row and a notes line,
#       an instructions sheet before the data;
#   protetto.{ods,xls,xlsx}  the same workbook saved with the password
#       "segreta" (ODF manifest encryption, BIFF8 FILEPASS, an encrypted
#       OOXML package in a Compound File container).
#
# The files are committed: tests need neither LibreOffice nor this script.
# Run from anywhere: sh testdata/layouts/gen_formats.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A throw-away LibreOffice profile whose Standard library holds the macro
# that stores the workbook with a password (--convert-to cannot).
soffice --headless -env:UserInstallation="file://$work/profile" --terminate_after_init >/dev/null 2>&1 || true
cat >"$work/profile/user/basic/Standard/Module1.xba" <<'XBA'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">
Sub SaveWithPassword
  On Error Goto Failed
  Dim load(0) As New com.sun.star.beans.PropertyValue
  load(0).Name = &quot;Hidden&quot; : load(0).Value = True
  doc = StarDesktop.loadComponentFromURL(ConvertToURL(Environ(&quot;GEN_SRC&quot;)), &quot;_blank&quot;, 0, load())
  Dim store(1) As New com.sun.star.beans.PropertyValue
  store(0).Name = &quot;FilterName&quot; : store(0).Value = Environ(&quot;GEN_FILTER&quot;)
  If Environ(&quot;GEN_FILTER&quot;) = &quot;Calc MS Excel 2007 XML&quot; Then
    &apos; OOXML: LibreOffice 7.4 encrypts only with the Standard (ECMA-376) engine here.
    Dim enc(1) As New com.sun.star.beans.NamedValue
    enc(0).Name = &quot;OOXPassword&quot; : enc(0).Value = &quot;segreta&quot;
    enc(1).Name = &quot;CryptoType&quot; : enc(1).Value = &quot;Standard&quot;
    store(1).Name = &quot;EncryptionData&quot; : store(1).Value = enc()
  Else
    store(1).Name = &quot;Password&quot; : store(1).Value = &quot;segreta&quot;
  End If
  doc.storeToURL(ConvertToURL(Environ(&quot;GEN_DST&quot;)), store())
  doc.close(True)
  Exit Sub
Failed:
  Open Environ(&quot;GEN_DST&quot;) &amp; &quot;.err&quot; For Output As #1
  Print #1, Error$
  Close #1
  If Not IsNull(doc) Then doc.close(True)
End Sub
</script:module>
XBA

cp "$here/formats_source.fods" "$work/libreoffice_title_merged.fods"
for target in 'ods:calc8' 'xls:MS Excel 97' 'xlsx:Calc MS Excel 2007 XML'; do
	soffice --headless -env:UserInstallation="file://$work/profile" \
		--convert-to "$target" --outdir "$work" "$work/libreoffice_title_merged.fods" >/dev/null
done
for target in 'ods:calc8' 'xls:MS Excel 97' 'xlsx:Calc MS Excel 2007 XML'; do
	GEN_SRC="$work/libreoffice_title_merged.fods" GEN_DST="$work/protetto.${target%%:*}" GEN_FILTER="${target#*:}" \
		timeout 120 soffice --headless -env:UserInstallation="file://$work/profile" \
		'macro:///Standard.Module1.SaveWithPassword' >/dev/null
	if test -e "$work/protetto.${target%%:*}.err"; then cat "$work/protetto.${target%%:*}.err" >&2; exit 1; fi
done

for f in libreoffice_title_merged.ods libreoffice_title_merged.xls libreoffice_title_merged.xlsx \
	protetto.ods protetto.xls protetto.xlsx; do
	test -s "$work/$f" || { echo "gen_formats.sh: $f not written" >&2; exit 1; }
	cp "$work/$f" "$here/$f"
done
echo "written: $(cd "$here" && ls libreoffice_title_merged.* protetto.* | tr '\n' ' ')"
