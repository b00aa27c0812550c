package credserver

import (
	"io"
	"log"
)

// discardLog keeps net/http's own messages (TLS probes, bad requests) off
// the command's stderr.
var discardLog = log.New(io.Discard, "", 0)
