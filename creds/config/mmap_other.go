//go:build !unix

package config

import "os"

// readFile reads path; it maps nothing here (on Windows a mapped file could
// not be replaced or deleted while aws-runas runs).
func readFile(path string) (data []byte, mapped bool, err error) {
	data, err = os.ReadFile(path)
	return data, false, err
}

func unmap([]byte) {}
