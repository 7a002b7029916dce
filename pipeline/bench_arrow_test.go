//go:build duckdb_arrow

package pipeline

import "github.com/lombardia-orim/correlare/sinks"

func init() {
	benchLoaders = append(benchLoaders, struct {
		name string
		load loader
	}{"arrow-view", nil}, struct {
		name string
		load loader
	}{"arrow-view-batches", sinks.InsertRecord})
}
