package browser

import "golang.org/x/sys/unix"

// watchOpen reports on the channel when a process opens path (inotify),
// so the file can go as soon as the browser has it: an open file stays
// readable after it is removed.
func watchOpen(path string) (<-chan struct{}, error) {
	ch := make(chan struct{})
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC)
	if err != nil {
		return ch, nil // no inotify: wait the full time
	}
	if _, err := unix.InotifyAddWatch(fd, path, unix.IN_OPEN); err != nil {
		unix.Close(fd)
		return ch, nil
	}
	go func() {
		defer unix.Close(fd)
		buf := make([]byte, 4096)
		if n, err := unix.Read(fd, buf); err == nil && n > 0 {
			close(ch)
		}
	}()
	return ch, nil
}
