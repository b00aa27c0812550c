package childenv

import (
	"slices"
	"testing"
)

func TestWithoutSecrets(t *testing.T) {
	in := []string{"PATH=/bin", "AWS_SECRET_ACCESS_KEY=s", "aws_session_token=t", "AWS_SECURITY_TOKEN=t", "AWS_ACCESS_KEY_ID=AKIA",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN=x", "SAML_PASSWORD=pw", "__AWS_RUNAS_EVAL_FILE=/tmp/f", "__AWS_RUNAS_RENEW=r",
		"AWS_REGION=eu-west-1", "DISPLAY=:0", "HOME=/home/a"}
	got := WithoutSecrets(in)
	if want := []string{"PATH=/bin", "AWS_REGION=eu-west-1", "DISPLAY=:0", "HOME=/home/a"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
