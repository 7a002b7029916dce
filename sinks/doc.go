// Package sinks writes what a run produces: the DuckDB warehouse (schema
// migrations, and every row of a loaded file through one FileWriter and one
// appender loop, AppendRows), the pseudonymised ORIM exports, the funder's
// Excel report, the provinces' feedback workbooks and the review workbook.
package sinks
