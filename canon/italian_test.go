package canon

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestItalianTexts checks that every Flag* and Reason* constant declared
// in the package has an Italian text, and that no text is orphaned.
func TestItalianTexts(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "enrolment.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	flags, reasons := map[string]bool{}, map[string]bool{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok {
					continue
				}
				v := constant.StringVal(constant.MakeFromLiteral(lit.Value, lit.Kind, 0))
				switch {
				case strings.HasPrefix(n.Name, "Flag"):
					flags[v] = true
				case strings.HasPrefix(n.Name, "Reason"):
					reasons[v] = true
				}
			}
		}
	}
	if len(flags) == 0 || len(reasons) == 0 {
		t.Fatalf("found %d flags, %d reasons in enrolment.go", len(flags), len(reasons))
	}
	for _, c := range []struct {
		kind  string
		codes map[string]bool
		texts map[string]string
	}{{"flag", flags, FlagTextIT}, {"reason", reasons, ReasonTextIT}} {
		for code := range c.codes {
			if strings.TrimSpace(c.texts[code]) == "" {
				t.Errorf("%s %q has no Italian text", c.kind, code)
			}
		}
		for code := range c.texts {
			if !c.codes[code] {
				t.Errorf("Italian text for unknown %s %q", c.kind, code)
			}
		}
	}
}
