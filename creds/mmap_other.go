//go:build !unix

package creds

// mapFile maps nothing here: files are read (on Windows, a mapped file
// could not be replaced or deleted while aws-runas runs).
func mapFile(string) []byte { return nil }

func unmap([]byte) {}
