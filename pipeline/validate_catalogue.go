package pipeline

import (
	"github.com/lombardia-orim/correlare/canon"
	"github.com/lombardia-orim/correlare/sources"
)

// moduleRef is how one enrolment row of a validated file names its module.
type moduleRef struct {
	sheet, column              string // column of the module (title, else code)
	row                        int
	code, title, fold, edition string
	site                       string
}

// catalogueMisses matches the module of every enrolment row of a validated
// workbook against the modules sheets of the same workbook, as
// sql/modules_derive.sql does over a province's whole catalogue, and returns
// a problem for each row that matches none (or a title listed several times).
// A workbook without a modules sheet gives none: the province's catalogue may
// be in another file, which validate does not see.
func catalogueMisses(file string, mods []*canon.Module, refs []moduleRef) []Problem {
	if len(mods) == 0 {
		return nil
	}
	codes := map[string]bool{}
	titles := map[string][]*canon.Module{}
	for _, m := range mods {
		if m.ModuleCode != "" {
			codes[sources.FoldCode(m.ModuleCode)] = true
		}
		titles[m.TitleFold] = append(titles[m.TitleFold], m)
	}
	var out []Problem
	for _, r := range refs {
		if r.code != "" && codes[sources.FoldCode(r.code)] || codes[sources.FoldCode(r.title)] {
			continue
		}
		same := titles[r.fold]
		matched := false
		for _, m := range same {
			if r.edition != "" && (sources.FoldCode(r.edition) == sources.FoldCode(m.Edition) || sources.FoldCode(r.edition) == sources.FoldCode(m.ModuleCode)) ||
				r.site != "" && canon.Fold(r.site) == canon.Fold(m.Site) {
				matched = true
				break
			}
		}
		if matched || len(same) == 1 && r.code == "" {
			continue
		}
		code := canon.FlagModuleNotInCatalogue
		if len(same) > 1 {
			code = canon.FlagModuleAmbiguous
		}
		out = append(out, Problem{File: file, Sheet: r.sheet, Row: r.row, Column: r.column, Code: code, Message: flagText(code)})
	}
	return out
}
