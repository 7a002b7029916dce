package landing

import "errors"

// Sentinel errors of the package; match them with errors.Is.
var (
	// ErrBadSHA: a digest given to an Archive method is not a lowercase
	// hexadecimal SHA-256 (64 digits).
	ErrBadSHA = errors.New("not a sha-256 hex digest")
	// ErrNoFiles: a local glob matched no file (lock and hidden files do not
	// count). It is reported as an error so the run can say "no files for
	// CR in /srv/…", but it is not a failure of any particular file.
	ErrNoFiles = errors.New("no files matched")
	// ErrHTTPStatus: the server answered with a status other than 200/304.
	ErrHTTPStatus = errors.New("unexpected http status")
	// ErrTooLarge: the file is larger than Options.MaxBytes.
	ErrTooLarge = errors.New("file larger than the size cap")
	// ErrBadSource: the Source configuration is invalid.
	ErrBadSource = errors.New("invalid source")
	// ErrInsecureRedirect: a redirect led away from https.
	ErrInsecureRedirect = errors.New("redirect to a non-https url")
)
