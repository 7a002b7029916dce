// Package sinks writes what a run produces: the DuckDB warehouse (schema
// migrations and Arrow loading), the pseudonymised ORIM exports, the funder's
// Excel report, the provinces' feedback workbooks and the review workbook.
package sinks
