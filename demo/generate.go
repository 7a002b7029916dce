package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"github.com/lombardia-orim/correlare/canon"
)

// Options configure Generate.
type Options struct {
	// Seed drives every random choice; the same seed gives the same bytes.
	// Default 1.
	Seed int64
	// Noise is how carelessly rows are typed. Default NoiseNormal.
	Noise Noise
}

// Summary says what Generate wrote, for tests and for the demo's log.
type Summary struct {
	Seed         int64
	Noise        Noise
	Provinces    []ProvinceSummary // in the partners' order: MB, BG, CR, CO, LC, LO, MN, MI, VA
	Files        []string          // every workbook and CSV, relative to the output directory
	Applications int               // application rows in all files
	Persons      int               // distinct people behind them
}

// ProvinceSummary counts one province's generated rows.
type ProvinceSummary struct {
	Code         string   // sigla
	Files        []string // relative to the output directory, slash-separated
	Modules      int
	Sessions     int
	Applications int
	Accepted     int // accepted and not withdrawn: actual participations
	NotAccepted  int
	Withdrawn    int
	Persons      int // distinct people among all applications
	Participants int // distinct people among accepted rows
	Repeaters    int // participants with two or more accepted rows
	NoSurname    int // rows typed without a surname: applications, flagged missing_surname
}

// Province returns the summary of the province with sigla code.
func (s Summary) Province(code string) (ProvinceSummary, bool) {
	for _, p := range s.Provinces {
		if p.Code == code {
			return p, true
		}
	}
	return ProvinceSummary{}, false
}

// Random streams: each phase has its own, so changing one does not reshuffle the others.
const (
	streamPlan  = 0x706c616e
	streamNoise = 0x6e6f6973
	streamSynth = 0x73796e74
)

// TruthFile is the name of the file that labels every application row with its person.
const TruthFile = "truth.csv"

// placedFile is one file with the applications it holds, in row order.
type placedFile struct {
	province *provincePlan
	layout   *fileLayout
	apps     []*application
	modules  []*module
}

// Generate writes the nine partner provinces' workbooks under dir/<SIGLA>/
// and dir/truth.csv. The output is byte-for-byte the same for the same options.
// With NoiseIndep it writes the independent set instead: six provinces'
// workbooks of other people typed by the independent model (see buildIndep).
func Generate(ctx context.Context, dir string, opt Options) (Summary, error) {
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	if opt.Noise == NoiseIndep {
		return generateIndep(ctx, dir, opt)
	}
	plans, err := plan(opt.Seed)
	if err != nil {
		return Summary{}, err
	}
	files := placeRows(plans)

	np := paramsFor(opt.Noise)
	r := rand.New(rand.NewPCG(uint64(opt.Seed), streamNoise+uint64(opt.Noise)))
	var truth [][4]string
	for _, pf := range files {
		if err := ctx.Err(); err != nil {
			return Summary{}, err
		}
		path := filepath.Join(dir, pf.province.info.code, pf.layout.name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return Summary{}, fmt.Errorf("creating directory for %s: %w", pf.layout.name, err)
		}
		rows := render(r, &np, pf)
		if pf.layout.csv {
			err = writeCSV(ctx, path, pf.layout, rows)
		} else {
			err = writeWorkbook(ctx, path, pf, rows)
		}
		if err != nil {
			return Summary{}, err
		}
		for _, a := range pf.apps {
			truth = append(truth, [4]string{a.file, a.sheet, fmt.Sprint(a.row), a.p.id})
		}
	}
	if err := writeTruth(ctx, filepath.Join(dir, TruthFile), truth); err != nil {
		return Summary{}, err
	}
	return summarise(opt, plans, files), nil
}

// plan makes every province's plan, Cremona first so that its figures do not
// depend on the others; returned in the partners' order.
func plan(seed int64) ([]*provincePlan, error) {
	r := rand.New(rand.NewPCG(uint64(seed), streamPlan))
	pop := newPopulation(r)
	byCode := map[string]*provincePlan{}
	var cr *provinceInfo
	for i := range partners {
		if partners[i].code == "CR" {
			cr = &partners[i]
		}
	}
	crPlan, err := planCremona(pop, r, cr)
	if err != nil {
		return nil, fmt.Errorf("planning Cremona: %w", err)
	}
	byCode["CR"] = crPlan
	shared := peopleOf(crPlan)
	for i := range partners {
		pi := &partners[i]
		if pi.code == "CR" {
			continue
		}
		pl := planProvince(pop, r, pi, shared)
		byCode[pi.code] = pl
		shared = append(shared, peopleOf(pl)...)
	}
	out := make([]*provincePlan, 0, len(partners))
	for i := range partners {
		out = append(out, byCode[partners[i].code])
	}
	return out, nil
}

// peopleOf lists a plan's people once each, in row order.
func peopleOf(pl *provincePlan) []*person {
	seen := map[*person]bool{}
	var out []*person
	for _, a := range pl.apps {
		if !seen[a.p] {
			seen[a.p] = true
			out = append(out, a.p)
		}
	}
	return out
}

// placeRows distributes each province's rows over its files and numbers them,
// then marks each person's first row in output order.
func placeRows(plans []*provincePlan) []*placedFile {
	var files []*placedFile
	for _, pl := range plans {
		layouts := layoutsFor(pl.info.code)
		for i := range layouts {
			fl := &layouts[i]
			pf := &placedFile{province: pl, layout: fl, modules: pl.modules}
			if fl.to > 0 {
				pf.modules = pl.modules[fl.from:fl.to]
			}
			first := fl.data.headerRow() + 1
			if fl.csv {
				first = 2
			}
			for _, a := range pl.apps {
				if !slices.Contains(pf.modules, a.m) {
					continue
				}
				a.file, a.sheet = fl.name, fl.data.name
				a.row = first + len(pf.apps)
				pf.apps = append(pf.apps, a)
			}
			files = append(files, pf)
		}
	}
	seen := map[*person]int{}
	for _, pf := range files {
		for _, a := range pf.apps {
			a.occ = seen[a.p]
			seen[a.p]++
		}
	}
	for _, pf := range files {
		for _, a := range pf.apps {
			a.multi = seen[a.p] > 1
		}
	}
	return files
}

// render types every row of a file.
func render(r *rand.Rand, np *noiseParams, pf *placedFile) [][]cell {
	s := &pf.layout.data
	strict := pf.province.info.code == "CR"
	rows := make([][]cell, len(pf.apps))
	for i, a := range pf.apps {
		t := np.typeRow(r, a.p, a.occ == 0, a.multi, strict)
		row := make([]cell, len(s.cols))
		for j, c := range s.cols {
			row[j] = s.rowCell(r, a, &t, c, i+1)
		}
		rows[i] = row
	}
	return rows
}

func summarise(opt Options, plans []*provincePlan, files []*placedFile) Summary {
	sum := Summary{Seed: opt.Seed, Noise: opt.Noise}
	all := map[*person]bool{}
	for _, pl := range plans {
		ps := ProvinceSummary{Code: pl.info.code, Modules: len(pl.modules), Applications: len(pl.apps)}
		for _, m := range pl.modules {
			ps.Sessions += m.sessions
		}
		for _, pf := range files {
			if pf.province == pl {
				ps.Files = append(ps.Files, pl.info.code+"/"+pf.layout.name)
			}
		}
		persons := map[*person]bool{}
		accepted := map[*person]int{}
		for _, a := range pl.apps {
			persons[a.p], all[a.p] = true, true
			switch a.status {
			case canon.StatusAccepted:
				ps.Accepted++
				accepted[a.p]++
				if accepted[a.p] == 2 {
					ps.Repeaters++
				}
			case canon.StatusNotAccepted:
				ps.NotAccepted++
			case canon.StatusWithdrawn:
				ps.Withdrawn++
			}
			if a.bad == badNoSurname {
				ps.NoSurname++
			}
		}
		ps.Persons, ps.Participants = len(persons), len(accepted)
		sum.Provinces = append(sum.Provinces, ps)
		sum.Files = append(sum.Files, ps.Files...)
		sum.Applications += ps.Applications
	}
	sum.Persons = len(all)
	return sum
}
