package pipeline

import (
	_ "embed"
	"fmt"
	"os"
)

//go:embed config.example.yaml
var exampleConfig []byte

// ExampleConfig returns the commented example configuration that
// `correlare init` writes.
func ExampleConfig() []byte { return exampleConfig }

// WriteExampleConfig writes the example configuration to path, refusing to
// overwrite an existing file.
func WriteExampleConfig(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("writing example config: %w", err)
	}
	if _, err := f.Write(exampleConfig); err != nil {
		f.Close()
		return fmt.Errorf("writing example config: %w", err)
	}
	return f.Close()
}
