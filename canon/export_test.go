package canon

// For the tests of package canon_test.
var (
	RefNormaliseRow    = refNormaliseRow
	RefNormaliseModule = refNormaliseModule
	RefNewBatch        = refNewBatch
)
