package pipeline

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lombardia-orim/correlare/sinks"
)

// warehouseDoc is the analysts' reference, checked against the code here.
const warehouseDoc = "../docs/warehouse.md"

// docKey is a pseudonymisation key for the exports these tests write.
var docKey = []byte("docs-test-key-not-a-secret-0123456789abcdef")

// TestWarehouseDocsCoverEveryColumn checks docs/warehouse.md against a fresh
// warehouse (every migration applied). Every table of schema main has a
// "### name" heading under "## Tables", and every view a "### name (view)"
// heading under "## Views". Each of these sections has one "| `column` | type |
// meaning |" row per column, with the type information_schema reports.
// Headings and rows for relations or columns that do not exist fail too, so
// the reference cannot drift either way. Nothing is excluded:
// schema_migrations is documented like the rest. The scratch tables of the
// pipeline (export_rows, link_assign, …) are TEMP tables of one connection,
// never part of the warehouse file, so schema main does not list them.
func TestWarehouseDocsCoverEveryColumn(t *testing.T) {
	ctx := context.Background()
	doc := readDoc(t)
	w, err := sinks.OpenWarehouse(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(ctx)
	rels, err := schemaRelations(ctx, w.DB)
	if err != nil {
		t.Fatal(err)
	}
	if len(rels) < 20 {
		t.Fatalf("information_schema lists %d relations; expected the whole warehouse", len(rels))
	}

	tablesPart, ok := doc.section("## Tables")
	if !ok {
		t.Fatalf("%s: no \"## Tables\" section", warehouseDoc)
	}
	viewsPart, ok := doc.section("## Views")
	if !ok {
		t.Fatalf("%s: no \"## Views\" section", warehouseDoc)
	}
	expected := map[string]bool{} // heading → seen in the schema
	for _, r := range rels {
		part, heading := tablesPart, "### "+r.name
		if r.view {
			part, heading = viewsPart, "### "+r.name+" (view)"
		}
		expected[heading] = true
		t.Run(r.name, func(t *testing.T) {
			sec, ok := part.section(heading)
			if !ok {
				where := "## Tables"
				if r.view {
					where = "## Views"
				}
				t.Fatalf("%s: no %q heading under %q", warehouseDoc, heading, where)
			}
			documented, err := sec.columnRows()
			if err != nil {
				t.Fatalf("%s, %s: %v", warehouseDoc, heading, err)
			}
			for _, c := range r.cols {
				typ, ok := documented[c.name]
				switch {
				case !ok:
					t.Errorf("%s, %s: column %s is not documented: add the row | `%s` | %s | meaning |",
						warehouseDoc, heading, c.name, c.name, c.typ)
				case typ != c.typ:
					t.Errorf("%s, %s: column %s documented as %s, the warehouse has %s", warehouseDoc, heading, c.name, typ, c.typ)
				}
				delete(documented, c.name)
			}
			for _, name := range sortedKeys(documented) {
				t.Errorf("%s, %s: documents column %s, which %s does not have", warehouseDoc, heading, name, r.name)
			}
		})
	}
	for _, part := range []docLines{tablesPart, viewsPart} {
		for _, h := range part.headings(3) {
			if !expected[h] {
				t.Errorf("%s: heading %q names no table or view of a fresh warehouse", warehouseDoc, h)
			}
		}
	}
}

// TestWarehouseDocsExports checks the "## Exports" section against what
// sinks.Export writes from a fresh warehouse. It checks every column of every
// exported CSV, as listed by data_dictionary.csv, with its type. It also checks
// the columns of data_dictionary.csv, the fields of manifest.json and
// latest.json, and that every entry of the export directory is named. The
// export comes from the code, not from a past run.
func TestWarehouseDocsExports(t *testing.T) {
	ctx := context.Background()
	doc := readDoc(t)
	exportsPart, ok := doc.section("## Exports")
	if !ok {
		t.Fatalf("%s: no \"## Exports\" section", warehouseDoc)
	}
	w, err := sinks.OpenWarehouse(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(ctx)
	dir := t.TempDir()
	m, err := sinks.Export(ctx, w.DB, dir, sinks.ExportOptions{RunID: "docs", Key: docKey, Now: time.Date(2013, 7, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}

	header, dict := readSemicolonCSV(t, filepath.Join(m.Dir, "data_dictionary.csv"))
	if len(header) < 3 || header[0] != "file" || header[1] != "column" || header[2] != "type" {
		t.Fatalf("data_dictionary.csv header %v: want file, column, type first", header)
	}
	files := map[string][][2]string{} // CSV file → columns (name, type) in order
	for _, r := range dict {
		if strings.HasSuffix(r[0], ".csv") {
			files[r[0]] = append(files[r[0]], [2]string{r[1], r[2]})
		}
	}
	if len(files) != len(m.RowCounts) {
		t.Fatalf("data_dictionary.csv lists %d CSV files, the manifest %d datasets", len(files), len(m.RowCounts))
	}
	for _, file := range sortedKeys(files) {
		t.Run(file, func(t *testing.T) {
			sec, heading, ok := exportsPart.sectionPrefix("### " + file + " ")
			if !ok {
				t.Fatalf("%s: no heading starting %q under \"## Exports\"", warehouseDoc, "### "+file+" ")
			}
			documented, err := sec.columnRows()
			if err != nil {
				t.Fatalf("%s, %s: %v", warehouseDoc, heading, err)
			}
			for _, c := range files[file] {
				typ, ok := documented[c[0]]
				switch {
				case !ok:
					t.Errorf("%s, %s: exported column %s is not documented: add | `%s` | %s | meaning |", warehouseDoc, heading, c[0], c[0], c[1])
				case typ != c[1]:
					t.Errorf("%s, %s: column %s documented as %s, exported as %s", warehouseDoc, heading, c[0], typ, c[1])
				}
				delete(documented, c[0])
			}
			for _, name := range sortedKeys(documented) {
				t.Errorf("%s, %s: documents column %s, which %s does not have", warehouseDoc, heading, name, file)
			}
		})
	}

	t.Run("data_dictionary.csv", func(t *testing.T) {
		checkFieldRows(t, exportsPart, "### data_dictionary.csv", header)
	})
	t.Run("manifest.json", func(t *testing.T) {
		top, nested := jsonFields(t, filepath.Join(m.Dir, "manifest.json"), "files")
		checkFieldRows(t, exportsPart, "### manifest.json", append(top, nested...))
	})
	t.Run("latest.json", func(t *testing.T) {
		top, _ := jsonFields(t, filepath.Join(dir, "latest.json"), "")
		checkFieldRows(t, exportsPart, "### latest.json", top)
	})
	t.Run("layout", func(t *testing.T) {
		entries, err := os.ReadDir(m.Dir)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(exportsPart, "\n")
		for _, e := range entries {
			if !strings.Contains(text, e.Name()) {
				t.Errorf("%s: the exports section never names %s, which every export holds", warehouseDoc, e.Name())
			}
		}
	})
}

// TestWarehouseDocsExampleQueries runs every ```sql block of "## Example
// queries" on a fresh warehouse, so that the documented queries keep
// binding to the schema.
func TestWarehouseDocsExampleQueries(t *testing.T) {
	ctx := context.Background()
	doc := readDoc(t)
	at := doc.find(func(l string) bool { return l == "## Example queries" })
	if at < 0 {
		t.Fatalf("%s: no \"## Example queries\" section", warehouseDoc)
	}
	queries := doc.body(at).sqlBlocks()
	if len(queries) < 10 {
		t.Fatalf("%s: %d example queries, want at least 10", warehouseDoc, len(queries))
	}
	w, err := sinks.OpenWarehouse(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(ctx)
	for i, q := range queries {
		t.Run(fmt.Sprintf("query%02d", i+1), func(t *testing.T) {
			line := at + 1 + q.line // q.line counts from the line after the heading
			rows, err := w.DB.QueryContext(ctx, q.text)
			if err != nil {
				t.Fatalf("%s line %d: %v", warehouseDoc, line, err)
			}
			defer rows.Close()
			for rows.Next() {
			}
			if err := rows.Err(); err != nil {
				t.Fatalf("%s line %d: %v", warehouseDoc, line, err)
			}
		})
	}
}

// TestDocParsing covers the Markdown helpers the checks above rely on, so
// that a parsing slip cannot make them pass vacuously.
func TestWarehouseDocsParsing(t *testing.T) {
	doc := docLines(strings.Split(strings.Join([]string{
		"# Title",
		"## Tables",
		"### a",
		"| column | type | meaning |",
		"|---|---|---|",
		"| `x` | INTEGER | the x, see `y` |",
		"| `y` | MAP(VARCHAR, VARCHAR) | a map |",
		"```",
		"# not a heading",
		"| `z` | VARCHAR | inside a fence |",
		"```",
		"### b (view)",
		"| `x` | VARCHAR | x |",
		"| `x` | VARCHAR | again |",
		"## Example queries",
		"```sql",
		"SELECT 1;",
		"```",
		"## Exports",
		"### f.csv and more",
		"| `p` | VARCHAR | p |",
	}, "\n"), "\n"))

	tables, ok := doc.section("## Tables")
	if !ok {
		t.Fatal("## Tables not found")
	}
	if got, want := strings.Join(tables.headings(3), ","), "### a,### b (view)"; got != want {
		t.Errorf("headings = %q, want %q", got, want)
	}
	tests := []struct {
		name    string
		heading string
		want    string // "name type" pairs, sorted; "error" when parsing must fail
	}{
		{"two columns, fence ignored", "### a", "x INTEGER,y MAP(VARCHAR, VARCHAR)"},
		{"duplicate column", "### b (view)", "error"},
		{"missing heading", "### c", "missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sec, ok := tables.section(tc.heading)
			if !ok {
				if tc.want != "missing" {
					t.Fatalf("section %q not found", tc.heading)
				}
				return
			}
			if tc.want == "missing" {
				t.Fatalf("section %q found, want missing", tc.heading)
			}
			cols, err := sec.columnRows()
			if tc.want == "error" {
				if err == nil {
					t.Fatalf("columnRows = %v, want an error", cols)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, k := range sortedKeys(cols) {
				got = append(got, k+" "+cols[k])
			}
			if strings.Join(got, ",") != tc.want {
				t.Errorf("columnRows = %q, want %q", strings.Join(got, ","), tc.want)
			}
		})
	}
	ex, _ := doc.section("## Example queries")
	if qs := ex.sqlBlocks(); len(qs) != 1 || qs[0].text != "SELECT 1" || qs[0].line != 2 {
		t.Errorf("sqlBlocks = %+v, want one query SELECT 1 on the part's line 2", qs)
	}
	exp, _ := doc.section("## Exports")
	if _, h, ok := exp.sectionPrefix("### f.csv "); !ok || h != "### f.csv and more" {
		t.Errorf("sectionPrefix = %q, %v", h, ok)
	}
}

// relation is a table or view of the warehouse with its columns in order.
type relation struct {
	name string
	view bool
	cols []column
}

type column struct{ name, typ string }

// schemaRelations lists the tables and views of schema main of the open
// database, with their columns.
func schemaRelations(ctx context.Context, db *sql.DB) ([]relation, error) {
	rows, err := db.QueryContext(ctx, `
		SELECT t.table_name, t.table_type, c.column_name, c.data_type
		FROM information_schema.tables t
		JOIN information_schema.columns c
		  ON c.table_catalog = t.table_catalog AND c.table_schema = t.table_schema AND c.table_name = t.table_name
		WHERE t.table_schema = 'main' AND t.table_catalog = current_database()
		ORDER BY t.table_name, c.ordinal_position`)
	if err != nil {
		return nil, fmt.Errorf("listing columns: %w", err)
	}
	defer rows.Close()
	var out []relation
	for rows.Next() {
		var name, kind, col, typ string
		if err := rows.Scan(&name, &kind, &col, &typ); err != nil {
			return nil, fmt.Errorf("listing columns: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].name != name {
			out = append(out, relation{name: name, view: kind == "VIEW"})
		}
		r := &out[len(out)-1]
		r.cols = append(r.cols, column{col, typ})
	}
	return out, rows.Err()
}

// docLines is a Markdown document, or a part of one, as lines.
type docLines []string

func readDoc(t *testing.T) docLines {
	t.Helper()
	b, err := os.ReadFile(warehouseDoc)
	if err != nil {
		t.Fatalf("reading the analysts' reference: %v", err)
	}
	return docLines(strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n"))
}

// headingLevel is the number of leading '#' of a Markdown heading, else 0.
func headingLevel(line string) int {
	n := 0
	for n < len(line) && line[n] == '#' {
		n++
	}
	if n == 0 || n >= len(line) || line[n] != ' ' {
		return 0
	}
	return n
}

// isFence reports whether the line opens or closes a fenced code block.
func isFence(line string) bool { return strings.HasPrefix(line, "```") }

// find returns the index of the first line (outside code fences) for which
// match is true, or -1.
func (d docLines) find(match func(string) bool) int {
	fenced := false
	for i, l := range d {
		if isFence(l) {
			fenced = !fenced
			continue
		}
		if !fenced && headingLevel(l) > 0 && match(strings.TrimRight(l, " ")) {
			return i
		}
	}
	return -1
}

// body returns the lines after the heading at index i up to the next heading
// of the same or a higher level (code fences skipped).
func (d docLines) body(i int) docLines {
	level := headingLevel(d[i])
	fenced := false
	for j := i + 1; j < len(d); j++ {
		if isFence(d[j]) {
			fenced = !fenced
			continue
		}
		if !fenced {
			if l := headingLevel(d[j]); l > 0 && l <= level {
				return d[i+1 : j]
			}
		}
	}
	return d[i+1:]
}

// section returns the body of the heading line exactly equal to heading.
func (d docLines) section(heading string) (docLines, bool) {
	i := d.find(func(l string) bool { return l == heading })
	if i < 0 {
		return nil, false
	}
	return d.body(i), true
}

// sectionPrefix returns the body and text of the first heading starting with prefix.
func (d docLines) sectionPrefix(prefix string) (docLines, string, bool) {
	i := d.find(func(l string) bool { return strings.HasPrefix(l, prefix) })
	if i < 0 {
		return nil, "", false
	}
	return d.body(i), strings.TrimRight(d[i], " "), true
}

// headings lists the headings of the given level (outside code fences).
func (d docLines) headings(level int) []string {
	var out []string
	fenced := false
	for _, l := range d {
		if isFence(l) {
			fenced = !fenced
			continue
		}
		if !fenced && headingLevel(l) == level {
			out = append(out, strings.TrimRight(l, " "))
		}
	}
	return out
}

// columnRows reads the rows "| `name` | type | meaning |" of the Markdown
// tables of a section (outside code fences): name → type. A name documented
// twice is an error.
func (d docLines) columnRows() (map[string]string, error) {
	out := map[string]string{}
	fenced := false
	for _, l := range d {
		if isFence(l) {
			fenced = !fenced
			continue
		}
		if fenced || !strings.HasPrefix(l, "| `") {
			continue
		}
		cells := strings.Split(l, "|")
		if len(cells) < 4 {
			return nil, fmt.Errorf("table row %q: want | `column` | type | meaning |", l)
		}
		name := strings.Trim(strings.TrimSpace(cells[1]), "`")
		typ := strings.TrimSpace(cells[2])
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("column %s documented twice", name)
		}
		out[name] = typ
	}
	return out, nil
}

// sqlQuery is one ```sql block: its text without the final ';' and the
// line (1-based, in the part it came from) where the text starts.
type sqlQuery struct {
	text string
	line int
}

// sqlBlocks returns the ```sql fenced blocks of the part.
func (d docLines) sqlBlocks() []sqlQuery {
	var out []sqlQuery
	for i := 0; i < len(d); i++ {
		if strings.TrimSpace(d[i]) != "```sql" {
			continue
		}
		start := i + 1
		j := start
		for j < len(d) && !isFence(d[j]) {
			j++
		}
		text := strings.TrimSuffix(strings.TrimSpace(strings.Join(d[start:j], "\n")), ";")
		out = append(out, sqlQuery{text: text, line: start + 1})
		i = j
	}
	return out
}

// checkFieldRows asserts that the section under heading documents exactly
// the given field names as table rows.
func checkFieldRows(t *testing.T, part docLines, heading string, fields []string) {
	t.Helper()
	sec, ok := part.section(heading)
	if !ok {
		t.Fatalf("%s: no %q heading under \"## Exports\"", warehouseDoc, heading)
	}
	documented, err := sec.columnRows()
	if err != nil {
		t.Fatalf("%s, %s: %v", warehouseDoc, heading, err)
	}
	if len(fields) == 0 {
		t.Fatalf("%s: no fields to check", heading)
	}
	for _, f := range fields {
		if _, ok := documented[f]; !ok {
			t.Errorf("%s, %s: field %s is not documented", warehouseDoc, heading, f)
		}
		delete(documented, f)
	}
	for _, name := range sortedKeys(documented) {
		t.Errorf("%s, %s: documents field %s, which is not written", warehouseDoc, heading, name)
	}
}

// readSemicolonCSV reads an exported CSV (UTF-8 BOM, ';').
func readSemicolonCSV(t *testing.T, path string) ([]string, [][]string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("reading %s: %v", filepath.Base(path), err)
	}
	if len(recs) < 2 {
		t.Fatalf("%s: %d records, want a header and rows", filepath.Base(path), len(recs))
	}
	return recs[0], recs[1:]
}

// jsonFields returns the keys of the JSON object in path and, when nested
// is not empty, the keys of the objects of its array field nested.
func jsonFields(t *testing.T, path, nested string) (top, inner []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		t.Fatalf("decoding %s: %v", filepath.Base(path), err)
	}
	top = sortedKeys(obj)
	if nested == "" {
		return top, nil
	}
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(obj[nested], &items); err != nil || len(items) == 0 {
		t.Fatalf("decoding %s.%s: %d items, %v", filepath.Base(path), nested, len(items), err)
	}
	seen := map[string]bool{}
	for _, it := range items {
		for k := range it {
			seen[k] = true
		}
	}
	return top, sortedKeys(seen)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
