package link

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/xuri/excelize/v2"

	queries "github.com/lombardia-orim/correlare/sql"
)

// ReviewDecisionHeader is the review workbook column the analyst fills.
const ReviewDecisionHeader = "Decisione (same/different)"

// WriteReview writes the pairs waiting for an analyst (between the review
// and the match threshold, or accepted by the model but refused by a
// constraint) to an .xlsx workbook at path, both rows side by side, and
// returns how many. The file is replaced atomically. The record keys in the
// first two columns are what the decisions file's left and right hold.
func WriteReview(ctx context.Context, db *sql.DB, path string) (int, error) {
	rows, err := db.QueryContext(ctx, queries.Query("link_review"))
	if err != nil {
		return 0, fmt.Errorf("reading review pairs: %w", err)
	}
	defer rows.Close()
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Revisione"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return 0, fmt.Errorf("writing review %s: %w", path, err)
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
	if err := f.SetSheetRow(sheet, "A1", &header); err != nil {
		return 0, fmt.Errorf("writing review %s: %w", path, err)
	}
	n := 0
	for rows.Next() {
		if n%1000 == 0 && ctx.Err() != nil {
			return n, ctx.Err()
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
			return n, fmt.Errorf("reading review pairs: %w", err)
		}
		lv := ""
		for i := range names {
			if i > 0 {
				lv += ", "
			}
			lv += fmt.Sprint(names[i]) + "=" + fmt.Sprint(levels[i])
		}
		row := []any{lk, rk, prob, weight, source}
		for _, s := range ls {
			row = append(row, s)
		}
		for _, s := range rs {
			row = append(row, s)
		}
		row = append(row, lv, "", "", "", "")
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return n, fmt.Errorf("writing review %s: %w", path, err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("reading review pairs: %w", err)
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return n, fmt.Errorf("writing review %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".review-*.xlsx")
	if err != nil {
		return n, fmt.Errorf("writing review %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := f.WriteTo(tmp); err != nil {
		tmp.Close()
		return n, fmt.Errorf("writing review %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return n, fmt.Errorf("writing review %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return n, fmt.Errorf("writing review %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return n, fmt.Errorf("writing review %s: %w", path, err)
	}
	return n, nil
}
