// Command gendemo writes correlare's demonstration workbooks:
//
//	go run ./demo/cmd/gendemo -dir testdata/demo
//	go run ./demo/cmd/gendemo -dir testdata/demo-heavy -seed 2 -noise heavy
//	go run ./demo/cmd/gendemo -dir testdata/demo-indep -seed 3 -noise indep
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
	dir := flag.String("dir", "testdata/demo", "output directory")
	seed := flag.Int64("seed", 1, "random seed; the same seed gives the same bytes")
	noise := flag.String("noise", "normal", "typing noise: normal, heavy, or indep (the independent model and its own people)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *dir, *seed, *noise); err != nil {
		fmt.Fprintln(os.Stderr, "gendemo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dir string, seed int64, noise string) error {
	n, err := demo.ParseNoise(noise)
	if err != nil {
		return err
	}
	sum, err := demo.Generate(ctx, dir, demo.Options{Seed: seed, Noise: n})
	if err != nil {
		return err
	}
	for _, p := range sum.Provinces {
		fmt.Printf("%s  %d file(s)  %4d applications  %4d accepted  %3d not accepted  %3d withdrawn  %4d persons\n",
			p.Code, len(p.Files), p.Applications, p.Accepted, p.NotAccepted, p.Withdrawn, p.Persons)
	}
	fmt.Printf("total  %d applications, %d persons, written to %s\n", sum.Applications, sum.Persons, dir)
	return nil
}
