// Command gennight writes the end-to-end benchmark's night: about a million
// enrolments in ten workbooks across the nine partner provinces (`make bench`,
// testdata/bench/run_1m.sh):
//
//	go run ./demo/cmd/gennight -dir var/bench/1m/data -rows 1000000 -seed 1
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/lombardia-orim/correlare/demo"
)

func main() {
	dir := flag.String("dir", "var/bench/1m/data", "output directory")
	rows := flag.Int("rows", 1_000_000, "application rows in all files")
	seed := flag.Int64("seed", 1, "random seed; the same seed and rows give the same bytes")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	sum, err := demo.Night(ctx, *dir, *rows, *seed)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gennight:", err)
		os.Exit(1)
	}
	for _, f := range sum.Files {
		fmt.Printf("%s  %-40s %8d rows\n", f.Province, f.Path, f.Rows)
	}
	fmt.Printf("total  %d rows, %d persons, %d files, written to %s\n", sum.Rows, sum.Persons, len(sum.Files), *dir)
}
