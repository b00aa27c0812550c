// Command hellosdk is bench/hello linking what aws-runas links for STS:
// the SDK's sts client and credential providers, and so net/http and
// crypto/tls. It does nothing with them. Its time over hello's is what
// the SDK costs a process before main runs (package init, a larger
// binary to map and fault in), whether or not STS is called.
package main

import (
	"os"

	_ "github.com/aws/aws-sdk-go-v2/aws/retry"
	_ "github.com/aws/aws-sdk-go-v2/credentials"
	_ "github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	_ "github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	_ "github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	_ "github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
	os.Stdout.WriteString("hello, world\n")
}
