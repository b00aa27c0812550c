package awssts

import (
	"fmt"
	"strings"
	"time"
)

// The syntax checks below are byte loops rather than regular expressions:
// a package-level regexp is compiled at every start of the program, and
// that alone cost more than the whole warm path's own work (see the
// Performance section of README.md).

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// isWord is \w in STS's patterns: ASCII letters, digits and '_'.
func isWord(c byte) bool { return isAlnum(c) || c == '_' }

func allDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// IsMFACode: an MFA device's one-time code is 6 digits.
func IsMFACode(s string) bool { return allDigits(s, 6) }

// IsRegion: a region is one DNS label of the STS endpoint's host name,
// [a-z0-9][a-z0-9-]{0,62}.
func IsRegion(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isDigit(c) || c >= 'a' && c <= 'z' || c == '-') {
			return false
		}
	}
	return true
}

// IsRoleARN: arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME as IAM defines
// it: the partition starting with "aws" (aws, aws-cn, aws-us-gov, ...), the
// account 12 digits, the path (with its slashes) at most 512 printable ASCII
// characters, the name 1 to 64 of [\w+=,.@-].
func IsRoleARN(s string) bool {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || parts[2] != "iam" || parts[3] != "" || !allDigits(parts[4], 12) {
		return false
	}
	for i := 3; i < len(parts[1]); i++ {
		if c := parts[1][i]; !(isAlnum(c) && !isDigit(c) || c == '-') {
			return false
		}
	}
	rest, ok := strings.CutPrefix(parts[5], "role/")
	if !ok {
		return false
	}
	path, name := "", rest
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		path, name = rest[:i+1], rest[i+1:]
	}
	if len(path)+1 > 512 || !inAlphabet(name, 1, 64, "+=,.@-") {
		return false
	}
	for i := 0; i < len(path); i++ {
		if c := path[i]; c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

// IsSessionName: a role session name is at least 2 of STS's [\w+=,.@-];
// a longer one than STS's 64 is cut (SessionName), not refused.
func IsSessionName(s string) bool { return inAlphabet(s, 2, len(s), "+=,.@-") }

// IsMFASerial: an MFA device's serial number or ARN as STS takes it, 9 to
// 256 characters of [\w+=/:,.@-].
func IsMFASerial(s string) bool { return inAlphabet(s, 9, 256, "+=/:,.@-") }

// IsExternalID: 2 to 1224 characters of [\w+=,.@:/-], as STS takes it.
func IsExternalID(s string) bool { return inAlphabet(s, 2, 1224, "+=,.@:/-") }

func inAlphabet(s string, min, max int, extra string) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isWord(c) && strings.IndexByte(extra, c) < 0 {
			return false
		}
	}
	return true
}

// SessionName keeps STS's 2 to 64 characters of [\w+=,.@-],
// writing '-' for anything else (a non-ASCII character becomes one '-').
func SessionName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && (isWord(byte(r)) || strings.ContainsRune("+=,.@-", r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
		if b.Len() == 64 {
			break
		}
	}
	out := b.String()
	for len(out) < 2 {
		out += "-"
	}
	return out
}

// DefaultSessionName is aws-runas-session_<ACCOUNT>_<USERNAME>_<UNIXTIME>
// when the caller is known, else aws-runas-session_<UNIXTIME>.
func DefaultSessionName(account, arn string, now time.Time) string {
	user := arn
	if i := strings.LastIndexByte(arn, '/'); i >= 0 {
		user = arn[i+1:]
	}
	if account == "" || user == "" {
		return fmt.Sprintf("aws-runas-session_%d", now.Unix())
	}
	return fmt.Sprintf("aws-runas-session_%s_%s_%d", account, user, now.Unix())
}
