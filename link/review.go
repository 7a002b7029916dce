package link

import (
	"archive/zip"
	"compress/flate"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"

	queries "github.com/lombardia-orim/correlare/sql"
)

// ReviewDecisionHeader is the review workbook column the analyst fills.
const ReviewDecisionHeader = "Decisione (same/different)"

// ReviewMaxRows bounds the review workbook: an analyst decides pairs by the
// hundred, not by the million (a 1M-enrolment night left 1.37M pairs in
// review, and Excel stops at 1,048,576 rows). The most probable pairs are
// written; the rest stay in person_links (decision = 'review').
const ReviewMaxRows = 50_000

// WriteReview writes the pairs waiting for an analyst (between the review
// and the match threshold, or accepted by the model but refused by a
// constraint) to an .xlsx workbook at path, both rows side by side, most
// probable first and at most ReviewMaxRows of them, and returns how many
// pairs are in review. The file is replaced atomically. The record keys in
// the first two columns are what the decisions file's left and right hold.
func WriteReview(ctx context.Context, db *sql.DB, path string) (int, error) {
	total, _, err := writeReview(ctx, db, path, ReviewMaxRows)
	return total, err
}

// writeReview is WriteReview with the bound given; it returns the pairs in
// review and the pairs written. When some are left out, a second sheet
// ("Leggimi") says how many and where they are.
func writeReview(ctx context.Context, db *sql.DB, path string, maxRows int) (total, written int, err error) {
	if err := db.QueryRowContext(ctx, queries.Query("link_review_count")).Scan(&total); err != nil {
		return 0, 0, fmt.Errorf("counting review pairs: %w", err)
	}
	rows, err := db.QueryContext(ctx, queries.Query("link_review"), maxRows)
	if err != nil {
		return total, 0, fmt.Errorf("reading review pairs: %w", err)
	}
	defer rows.Close()
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Revisione"
	fail := func(err error) (int, int, error) {
		return total, written, fmt.Errorf("writing review %s: %w", path, err)
	}
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fail(err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fail(err)
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fail(err)
	}
	side := []string{"Nominativo", "Codice fiscale", "Data di nascita", "Sesso", "Ente", "Modulo", "Provincia", "File!foglio!riga"}
	header := []any{"left", "right", "Probabilità", "Peso", "Origine"}
	for _, h := range side {
		header = append(header, h+" (1)")
	}
	for _, h := range side {
		header = append(header, h+" (2)")
	}
	header = append(header, "Livelli", ReviewDecisionHeader, "Analista", "Data", "Nota")
	if err := sw.SetRow("A1", header); err != nil {
		return fail(err)
	}
	var lv strings.Builder
	for rows.Next() {
		if written%1000 == 0 && ctx.Err() != nil {
			return total, written, ctx.Err()
		}
		var lk, rk, source string
		var prob, weight float64
		var names, levels []any
		var ls, rs [8]string
		dest := []any{&lk, &rk, &prob, &weight, &source, &names, &levels}
		for i := range ls {
			dest = append(dest, &ls[i])
		}
		for i := range rs {
			dest = append(dest, &rs[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return total, written, fmt.Errorf("reading review pairs: %w", err)
		}
		lv.Reset()
		for i := range names {
			if i > 0 {
				lv.WriteString(", ")
			}
			fmt.Fprint(&lv, names[i], "=", levels[i])
		}
		row := []any{lk, rk, prob, weight, source}
		for _, s := range ls {
			row = append(row, s)
		}
		for _, s := range rs {
			row = append(row, s)
		}
		row = append(row, lv.String(), "", "", "", "")
		cell, _ := excelize.CoordinatesToCellName(1, written+2)
		if err := sw.SetRow(cell, row); err != nil {
			return fail(err)
		}
		written++
	}
	if err := rows.Err(); err != nil {
		return total, written, fmt.Errorf("reading review pairs: %w", err)
	}
	if err := sw.Flush(); err != nil {
		return fail(err)
	}
	if written < total {
		const note = "Leggimi"
		if _, err := f.NewSheet(note); err != nil {
			return fail(err)
		}
		lines := []string{
			fmt.Sprintf("Coppie da rivedere: %d. Il foglio %q ne mostra le prime %d, dalla più probabile.", total, sheet, written),
			"Le altre sono nel warehouse: SELECT * FROM person_links WHERE decision = 'review' ORDER BY probability DESC.",
			fmt.Sprintf("Pairs in review: %d; sheet %q shows the %d most probable, the rest are in person_links (decision = 'review').", total, sheet, written),
		}
		for i, l := range lines {
			if err := f.SetCellStr(note, fmt.Sprintf("A%d", i+1), l); err != nil {
				return fail(err)
			}
		}
	}
	f.SetZipWriter(fastZip)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".review-*.xlsx")
	if err != nil {
		return fail(err)
	}
	defer os.Remove(tmp.Name())
	if _, err := f.WriteTo(tmp); err != nil {
		tmp.Close()
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fail(err)
	}
	return total, written, nil
}

// fastZip is the review workbook's zip writer: Deflate at its fastest level
// (as sinks' feedback workbooks). The default level took most of the time
// of writing 50,000 pairs; the fastest makes a file about a fifth larger.
func fastZip(w io.Writer) excelize.ZipWriter {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	return zw
}
