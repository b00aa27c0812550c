// Command hellolibs is bench/hello linking every library aws-runas
// imports, and using none of them. Its time over hellosdk's is what those
// libraries' initialisers cost every start (Go runs them before main,
// used or not); aws-runas's time over hellolibs' is the rest: its larger
// binary to map and fault in, the package variables the linker keeps only
// because aws-runas uses them (x/net/html's entity table), and the warm
// path's own work. main_test.go keeps the list in step with aws-runas's
// imports.
package main

import (
	"os"

	_ "github.com/aws/aws-sdk-go-v2/aws"
	_ "github.com/aws/aws-sdk-go-v2/aws/retry"
	_ "github.com/aws/aws-sdk-go-v2/credentials"
	_ "github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	_ "github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	_ "github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	_ "github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	_ "github.com/aws/aws-sdk-go-v2/service/sso"
	_ "github.com/aws/aws-sdk-go-v2/service/sso/types"
	_ "github.com/aws/aws-sdk-go-v2/service/ssooidc"
	_ "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	_ "github.com/aws/aws-sdk-go-v2/service/sts"
	_ "github.com/aws/aws-sdk-go-v2/service/sts/types"
	_ "github.com/aws/smithy-go"
	_ "github.com/chromedp/cdproto/fetch"
	_ "github.com/chromedp/cdproto/network"
	_ "github.com/chromedp/cdproto/target"
	_ "github.com/chromedp/chromedp"
	_ "github.com/chromedp/chromedp/remote"
	_ "github.com/coreos/go-oidc/v3/oidc"
	_ "github.com/gofrs/flock"
	_ "github.com/jessevdk/go-flags"
	_ "github.com/mitchellh/go-homedir"
	_ "golang.org/x/net/html"
	_ "golang.org/x/net/html/atom"
	_ "golang.org/x/net/publicsuffix"
	_ "golang.org/x/oauth2"
	_ "golang.org/x/sys/unix"
	_ "golang.org/x/term"
)

func main() {
	os.Stdout.WriteString("hello, world\n")
}
