// Package credtest holds what the tests of creds and its packages share:
// config files written to a temporary directory, and the benchmarks'
// config of many profiles and cached entry. Of them it imports only
// creds/cache, so that the internal tests of the others can use it.
package credtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws-runas/aws-runas/creds/cache"
)

// WriteFiles makes a config and a credentials file in a temporary
// directory and returns their paths.
func WriteFiles(tb testing.TB, config, credentials string) (configPath, credentialsPath string) {
	tb.Helper()
	dir := tb.TempDir()
	configPath, credentialsPath = filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(credentialsPath, []byte(credentials), 0o600); err != nil {
		tb.Fatal(err)
	}
	return configPath, credentialsPath
}

const benchSmallConfig = `[default]
region = eu-west-1
mfa_serial = arn:aws:iam::123456789012:mfa/demo

[profile prod]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = default
region = eu-west-1

[profile ro]
role_arn = arn:aws:iam::123456789012:role/readonly
source_profile = default
`

// BenchCredentials is the credentials file of the benchmarks.
const BenchCredentials = `[default]
aws_access_key_id = AKIADEMO00000EXAMPLE
aws_secret_access_key = demo/secret/key/for/the/sts/test/server0
`

// BenchConfig is a small config followed by n role profiles, the same
// shape as bench/compare's, with a second [profile prod] section last.
func BenchConfig(n int) string {
	var b strings.Builder
	b.WriteString(benchSmallConfig)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "\n[profile team%05d-dev]\nrole_arn = arn:aws:iam::%012d:role/developer\nsource_profile = default\nregion = us-east-1\n", i, 100000000000+i)
	}
	b.WriteString("\n[profile prod]\nregion = eu-west-1\n")
	return b.String()
}

// BenchEntry is a cached role of the benchmarks' prod profile.
func BenchEntry(now time.Time) *cache.Entry {
	return &cache.Entry{
		AccessKeyID: "ASIAHANKCP2AZNHH5SHW", SecretAccessKey: "5lcQrlDJA9tzaejiIhnsyiNQesRVozjv80nc3Xtt",
		SessionToken: strings.Repeat("d7rLInTWqwnMRwNwvd2Ud6JOEBaF7utwyKaAO9PG", 6),
		Expiration:   now.Add(time.Hour).UTC().Truncate(time.Second),
		RoleARN:      "arn:aws:iam::123456789012:role/admin", SourceKeyID: "AKIADEMO00000EXAMPLE",
		RoleSessionName: "aws-runas-session_123456789012_demo_1795327330",
	}
}

// BenchSizes are the sizes of BenchConfig the benchmarks run with.
var BenchSizes = []struct {
	Name string
	N    int
}{{"small", 0}, {"50k", 50000}}
