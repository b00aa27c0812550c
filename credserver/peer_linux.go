package credserver

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"net"
	"os"
	"strconv"
	"strings"
)

// peerIsUser says whether the client end of c belongs to this process's
// user. TCP has no SO_PEERCRED, but the kernel's socket table
// (/proc/net/tcp) lists the owner's uid of every socket of this network
// namespace: the client's socket is the one whose local address is c's
// remote address and whose remote address is c's local one. A socket that
// cannot be found (another network namespace cannot reach 127.0.0.1 here
// anyway) counts as another user's.
func peerIsUser(c net.Conn) bool {
	local, ok1 := c.LocalAddr().(*net.TCPAddr)
	remote, ok2 := c.RemoteAddr().(*net.TCPAddr)
	if !ok1 || !ok2 || local.IP.To4() == nil || remote.IP.To4() == nil {
		return false
	}
	uid, ok := socketUID("/proc/net/tcp", remote, local)
	return ok && uid == os.Getuid()
}

// socketUID finds the socket from local to remote in a /proc/net/tcp file.
func socketUID(table string, local, remote *net.TCPAddr) (int, bool) {
	f, err := os.Open(table)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	want := procAddr(local) + " " + procAddr(remote)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid ...
		fields := strings.Fields(sc.Text())
		if len(fields) < 8 || fields[1]+" "+fields[2] != want {
			continue
		}
		uid, err := strconv.Atoi(fields[7])
		return uid, err == nil
	}
	return 0, false
}

// procAddr formats an IPv4 address as the kernel does: the address's
// 32 bits in host byte order, then the port, both in upper-case hex.
func procAddr(a *net.TCPAddr) string {
	ip := a.IP.To4()
	b := make([]byte, 4)
	binary.BigEndian.PutUint32(b, binary.NativeEndian.Uint32(ip))
	return strings.ToUpper(hex.EncodeToString(b)) + ":" + strings.ToUpper(strconv.FormatUint(uint64(a.Port)|1<<16, 16)[1:])
}
