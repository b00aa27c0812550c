// Command hello is the reference for aws-runas's print mode: the smallest
// Go program that prints one line. scripts/bench compares against it.
package main

import "os"

func main() {
	os.Stdout.WriteString("hello, world\n")
}
