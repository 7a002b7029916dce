// Package sources reads the enrolment lists the provinces send (package
// landing fetches and archives them).
//
// The readers take a workbook (.xlsx/.xlsm: the package read from the zip
// directory with small parsers (xlsxpkg.go), each worksheet streamed by a
// fast scanner (sheetxml.go) that yields exactly excelize's raw rows,
// handing over to excelize, opened only then, on any construct it does not
// handle), an OpenDocument spreadsheet (.ods, its
// content.xml streamed; ods.go), an Excel 97-2003 workbook (.xls, BIFF8
// records read from the container; xls.go) or a CSV file (delimiter and
// encoding detected) and find the tables in it:
// [Open] recognises the format by content, [File.NextTable] walks the sheets
// and finds each sheet's header row among the first rows (titles, logos and
// blank rows above it are ignored; two-level merged headers are joined), and
// [Table.Next] returns the data rows as [canon.RawRow]s with their cells as
// stored (date serials unformatted, formulas' cached values), leaving out
// blank rows, totals rows and notes, which [Table.Skipped] lists.
//
// Headers are mapped to canonical fields by [MatchHeader], which knows the
// Italian and English wordings provinces use and accepts per-province
// overrides. Normalising the cells is package canon's job.
//
// Every error is an [*Error] carrying the file, sheet, row and column it
// concerns and wrapping one of the Err* sentinels or the underlying cause.
// Error messages name positions, never cell values.
package sources
