//go:build !linux

package credserver

import "net"

// peerIsUser cannot tell who owns a TCP peer outside Linux; the token
// alone admits a request there.
func peerIsUser(net.Conn) bool { return true }
