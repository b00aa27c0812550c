// Command sdkclient is an AWS SDK for Go program for the e2e tests: for
// each line on stdin it calls GetCallerIdentity with the default
// credential chain and prints "ok ARN" or "error MESSAGE", then "END".
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	client := sts.NewFromConfig(cfg)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			fmt.Println("error", err)
		} else {
			fmt.Println("ok", *out.Arn)
		}
		fmt.Println("END")
	}
}
