// Package endpoint is the one rule for where aws-runas sends secrets (keys,
// tokens, passwords, sign-in URLs): over https, or over plain http only to
// this machine, where nothing crosses a network in the clear.
package endpoint

import (
	"net"
	"net/url"
	"strings"
)

// IsLoopback says whether host is this machine: localhost, or a loopback
// address (127.0.0.0/8, ::1).
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Secure says whether u may carry a secret: https, or http to this machine.
func Secure(u *url.URL) bool {
	return u.Host != "" && (u.Scheme == "https" || u.Scheme == "http" && IsLoopback(u.Hostname()))
}
