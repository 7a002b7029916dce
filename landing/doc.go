// Package landing fetches each source's files — drop-folder globs and HTTPS
// URLs — into the content-addressed landing archive.
//
// [Fetch] pulls the files of one configured [Source] of a province: every
// match of a local glob (editors' lock files and dotfiles skipped), or one
// URL fetched with a conditional GET on its ETag/Last-Modified, with
// retries, a size cap and credentials kept out of logs and errors. Each file
// is copied unchanged into an [Archive] under its SHA-256, with a JSON
// sidecar saying where it was first seen ([Entry]). [Source.Validate] is the
// one check of a source's configuration, used by the config loader and by
// Fetch alike.
//
// Reading the archived workbooks is package sources' job.
package landing
