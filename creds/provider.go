// Package creds turns AWS profiles into temporary credentials: the flows
// (GetSessionToken with MFA, AssumeRole, role chaining, sign-on) and the
// Provider that runs them. Profiles come from creds/config, cached
// credentials from creds/cache, sign-on from the signon packages.
package creds

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/aws-runas/aws-runas/creds/cache"
	"github.com/aws-runas/aws-runas/creds/config"
	"github.com/aws-runas/aws-runas/internal/awssts"
	"github.com/aws-runas/aws-runas/prompt"
	"github.com/aws-runas/aws-runas/signon"
)

const (
	// DefaultSessionDuration is GetSessionToken's own default: one MFA
	// entry a working day.
	DefaultSessionDuration = 12 * time.Hour
	// DefaultRoleDuration is AssumeRole's own default.
	DefaultRoleDuration = time.Hour
	// chainLimit is what STS allows a role assumed with temporary
	// credentials (a session token's or another role's): role chaining.
	chainLimit = time.Hour
)

// Bounds of the durations, from the STS API reference.
var (
	SessionBounds = awssts.SessionBounds
	RoleBounds    = awssts.RoleBounds
)

// Request is what the user asked for.
type Request struct {
	Profile         string // profile name or role ARN
	NoRole          bool   // stop at the session token
	SessionDuration time.Duration
	RoleDuration    time.Duration
	OTP             string // MFA code given on the command line
	MFASerial       string
	ExternalID      string
	Refresh         bool // ignore the cache for the credentials asked for
	SSO             SSO  // sign-on settings from the command line
}

// Result is a set of credentials and what they stand for.
type Result struct {
	Profile         string // the profile name, or the role ARN as given
	Credentials     aws.Credentials
	RoleARN         string // empty for a session token
	RoleSessionName string
	Region          string
	// What the credentials stand for, to tell whether a later resolution
	// (the refresh hook's) means the same: the file of the profile ("command
	// line" for a role ARN), the source profile the chain starts from and its
	// file, and the account (the role's, or the session token's when STS
	// named it).
	File, Source, SourceFile, Account string

	endpoint string // the STS endpoint the credentials came from
}

// Identity is GetCallerIdentity's answer, in the AWS CLI's JSON shape.
type Identity struct {
	UserID  string `json:"UserId"`
	Account string
	Arn     string
}

// Whoami asks STS whose credentials res holds.
func (p *Provider) Whoami(ctx context.Context, res *Result) (*Identity, error) {
	c := awssts.Clients{Region: res.Region, Endpoint: res.endpoint}
	out, err := awssts.Call(ctx, p.Timeout, func(ctx context.Context) (*sts.GetCallerIdentityOutput, error) {
		return c.With(res.Credentials).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	})
	if err != nil {
		return nil, awssts.Error("GetCallerIdentity", res.Profile, err)
	}
	return &Identity{UserID: aws.ToString(out.UserId), Account: aws.ToString(out.Account), Arn: aws.ToString(out.Arn)}, nil
}

// Provider gets credentials. Its zero value is not usable: set Config.
type Provider struct {
	Config *config.Config
	Cache  *cache.Cache // nil: no cache
	// Prompter asks for MFA codes, passwords and choices (a
	// *prompt.Prompter); nil: no one can be asked.
	Prompter signon.Prompter
	Getenv   func(string) string
	Debug    func(format string, args ...any)
	Now      func() time.Time
	// Timeout bounds each STS operation, retries included.
	Timeout time.Duration
}

// InputNeededError is returned when getting credentials needs an answer
// from the user and none can be asked for.
type InputNeededError = signon.InputNeededError

// chain resolves a profile name or role ARN. A role ARN is assumed with the
// default profile's credentials, region and MFA device.
func (p *Provider) chain(req Request) (*config.Chain, error) {
	if req.MFASerial != "" && !awssts.IsMFASerial(req.MFASerial) {
		return nil, fmt.Errorf("-M/--mfa-serial %q is not an MFA device (an ARN such as arn:aws:iam::123456789012:mfa/NAME, or a serial number)", req.MFASerial)
	}
	if req.ExternalID != "" && !awssts.IsExternalID(req.ExternalID) {
		return nil, errors.New("-X/--external-id is not one STS takes (2 to 1224 of letters, digits and +=,.@:/_-); the value is not shown")
	}
	name := req.Profile
	if !strings.HasPrefix(name, "arn:") {
		return p.Config.ResolveWith(name, func(t *config.Profile) { p.applySSO(t, req.SSO, false) })
	}
	if !awssts.IsRoleARN(name) {
		return nil, fmt.Errorf("%q is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)", name)
	}
	t := &config.Profile{Name: name, RoleARN: name, Where: config.Place("command line")}
	p.applySSO(t, req.SSO, true)
	if t.Federated() {
		base := *t
		return &config.Chain{Base: &base, Roles: []*config.Profile{t}}, nil
	}
	ch, err := p.Config.Resolve("default")
	if err != nil {
		return nil, fmt.Errorf("role ARN %s is assumed with the default profile: %w", name, err)
	}
	def := ch.Target()
	ch.Roles = append(ch.Roles, &config.Profile{Name: name, RoleARN: name, Region: def.Region, MFASerial: def.MFASerial, EndpointURL: def.EndpointURL, Where: config.Place("command line")})
	return ch, nil
}

// job is one Get in progress.
type job struct {
	p      *Provider
	req    Request
	ch     *config.Chain
	serial string
	client awssts.Clients
	now    time.Time
}

// Get returns credentials for req, from the cache when it can.
func (p *Provider) Get(ctx context.Context, req Request) (*Result, error) {
	ch, err := p.chain(req)
	if err != nil {
		return nil, err
	}
	target := ch.Target()
	j := &job{p: p, req: req, ch: ch, now: p.now()}
	j.serial = j.mfaSerial()
	if j.client, err = p.Clients(target); err != nil {
		return nil, err
	}
	res := &Result{Profile: req.Profile, Region: j.client.Region, endpoint: j.client.Endpoint,
		File: target.File(), Source: ch.Base.Name, SourceFile: ch.Base.File()}
	if req.NoRole && ch.Base.Federated() {
		return nil, fmt.Errorf("profile %q signs in through an identity provider: it has role credentials only, no session token (-n)", req.Profile)
	}
	if req.NoRole || len(ch.Roles) == 0 {
		e, err := j.session(ctx, req.Refresh)
		if err != nil {
			return nil, err
		}
		res.Credentials = e.Credentials()
		res.Account = e.Account
		return res, nil
	}
	e, err := j.role(ctx, len(ch.Roles)-1)
	if err != nil {
		return nil, err
	}
	res.Credentials = e.Credentials()
	res.RoleARN = e.RoleARN
	res.Account = cmp.Or(accountOf(e.RoleARN), target.SSOAccountID)
	res.RoleSessionName = e.RoleSessionName
	return res, nil
}

// Describe resolves req as Get would, without calling STS or reading the
// cache: what the credentials would be (Profile, RoleARN, File, Source,
// SourceFile, and Account for a role), without the credentials.
func (p *Provider) Describe(req Request) (*Result, error) {
	ch, err := p.chain(req)
	if err != nil {
		return nil, err
	}
	target := ch.Target()
	res := &Result{Profile: req.Profile, File: target.File(), Source: ch.Base.Name, SourceFile: ch.Base.File()}
	if !req.NoRole && len(ch.Roles) > 0 {
		res.RoleARN = target.RoleARN
		res.Account = cmp.Or(accountOf(res.RoleARN), target.SSOAccountID)
	}
	return res, nil
}

// Expiration reports when the cached credentials for req expire, without
// calling STS; ok is false when nothing usable is cached.
func (p *Provider) Expiration(req Request) (exp time.Time, ok bool, err error) {
	ch, err := p.chain(req)
	if err != nil {
		return time.Time{}, false, err
	}
	var e *cache.Entry
	if req.NoRole || len(ch.Roles) == 0 {
		e = p.Cache.Load(cache.Session, ch.Base.Name, p.now())
	} else {
		e = p.Cache.Load(cache.Role, roleCacheName(ch.Target()), p.now())
	}
	if e == nil {
		return time.Time{}, false, nil
	}
	return e.Expiration, true, nil
}

func (p *Provider) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Provider) getenv(k string) string {
	if p.Getenv == nil {
		return ""
	}
	return p.Getenv(k)
}

func (p *Provider) debug(format string, args ...any) {
	if p.Debug != nil {
		p.Debug(format, args...)
	}
}

// region: the profile's own, else the environment's. The profile wins over
// the environment because the environment may hold the region aws-runas
// exported for the previous profile.
func (p *Provider) region(target *config.Profile) string {
	for _, r := range []string{target.Region, p.getenv("AWS_REGION"), p.getenv("AWS_DEFAULT_REGION")} {
		if r != "" {
			return r
		}
	}
	return ""
}

// Clients are STS clients for profile's region and endpoint, as Get uses,
// also for a call outside the flows (--console's GetFederationToken). The
// region must be a region's name; the endpoint https, or on this machine.
func (p *Provider) Clients(profile *config.Profile) (awssts.Clients, error) {
	region := p.region(profile)
	if region != "" && !awssts.IsRegion(region) {
		return awssts.Clients{}, fmt.Errorf("profile %q: region %q is not an AWS region name", profile.Name, region)
	}
	endpoint, from := p.endpoint(profile)
	if err := awssts.CheckEndpoint(endpoint, from); err != nil {
		return awssts.Clients{}, err
	}
	return awssts.Clients{Region: region, Endpoint: endpoint}, nil
}

// endpoint follows the SDKs' order: the service's variable, the global
// variable, then the profile's endpoint_url.
// from says where the endpoint was set, for errors.
func (p *Provider) endpoint(target *config.Profile) (endpoint, from string) {
	if e := p.getenv("AWS_ENDPOINT_URL_STS"); e != "" {
		return e, "$AWS_ENDPOINT_URL_STS"
	}
	if e := p.getenv("AWS_ENDPOINT_URL"); e != "" {
		return e, "$AWS_ENDPOINT_URL"
	}
	if target.EndpointURL != "" {
		return target.EndpointURL, fmt.Sprintf("endpoint_url of profile %q", target.Name)
	}
	return "", ""
}

// mfaSerial: -M, else the nearest mfa_serial from the target down to the
// base profile.
func (j *job) mfaSerial() string {
	if j.req.MFASerial != "" {
		return j.req.MFASerial
	}
	for i := len(j.ch.Roles) - 1; i >= 0; i-- {
		if s := j.ch.Roles[i].MFASerial; s != "" {
			return s
		}
	}
	return j.ch.Base.MFASerial
}

// session returns the session token of the base profile: from the cache,
// or from GetSessionToken, with MFA when there is a device. Base
// credentials that are already temporary are used as they are: STS does
// not issue session tokens for them.
func (j *job) session(ctx context.Context, refresh bool) (*cache.Entry, error) {
	base := j.ch.Base
	hit := func() *cache.Entry {
		if e := j.p.Cache.Load(cache.Session, base.Name, j.now); e != nil && j.fits(e) {
			j.p.debug("session token of %q: cached, expires %s", base.Name, e.Expiration.Format(time.RFC3339))
			return e
		}
		return nil
	}
	// The first look takes no lock: files are replaced atomically, so a
	// reader sees a whole entry or none, and a cache hit (the warm path)
	// never waits behind a run holding the lock at its MFA prompt.
	if !refresh {
		if e := hit(); e != nil {
			return e, nil
		}
	}
	unlock := j.p.Cache.Lock(cache.Session, base.Name)
	defer unlock()
	if !refresh {
		// Another run may have fetched it while this one waited.
		if e := hit(); e != nil {
			return e, nil
		}
	}
	long, err := j.p.baseCredentials(ctx, base)
	if err != nil {
		return nil, err
	}
	if long.SessionToken != "" {
		j.p.debug("profile %q: credentials are already temporary, no session token", base.Name)
		return &cache.Entry{AccessKeyID: long.AccessKeyID, SecretAccessKey: long.SecretAccessKey, SessionToken: long.SessionToken, Expiration: long.Expires}, nil
	}
	in := &sts.GetSessionTokenInput{DurationSeconds: awssts.Seconds(cmp.Or(j.req.SessionDuration, DefaultSessionDuration))}
	if j.serial != "" {
		code, err := j.mfaCode(ctx)
		if err != nil {
			return nil, err
		}
		in.SerialNumber, in.TokenCode = &j.serial, &code
	}
	j.p.debug("GetSessionToken for profile %q (MFA device: %s)", base.Name, cmp.Or(j.serial, "none"))
	client := j.client.With(long)
	out, err := awssts.Call(ctx, j.p.Timeout, func(ctx context.Context) (*sts.GetSessionTokenOutput, error) {
		return client.GetSessionToken(ctx, in)
	})
	if err != nil {
		return nil, awssts.Error("GetSessionToken", base.Name, err)
	}
	e := fromSTS(out.Credentials)
	e.MFASerial, e.SourceKeyID = j.serial, long.AccessKeyID
	// The caller identity names role sessions; asked once per token.
	if id, err := awssts.Call(ctx, j.p.Timeout, func(ctx context.Context) (*sts.GetCallerIdentityOutput, error) {
		return j.client.With(e.Credentials()).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	}); err == nil {
		e.Account, e.ARN = aws.ToString(id.Account), aws.ToString(id.Arn)
	} else {
		j.p.debug("GetCallerIdentity: %v", err)
	}
	j.p.Cache.Store(cache.Session, base.Name, e)
	return e, nil
}

// fits says whether a cached session token serves this request: made from
// the same long-term key, and with MFA when MFA is asked for.
func (j *job) fits(e *cache.Entry) bool {
	if j.serial != "" && e.MFASerial != j.serial {
		return false
	}
	return j.sourceID() == "" || e.SourceKeyID == j.sourceID()
}

// sourceID names what a chain's credentials come from, so that cached
// credentials made from something else are not handed out: the long-term
// access key (rotated keys invalidate the cache), or for a sign-on profile
// the identity provider and user (another user or IdP must sign in anew).
// It is empty for sources that cannot be named without running them
// (credential_process, credential_source).
func (j *job) sourceID() string {
	if b := j.ch.Base; b.Federated() {
		return federatedID(b)
	}
	return j.ch.Base.AccessKeyID
}

// role returns the credentials of j.ch.Roles[i], assuming the roles below
// it first. Locks are taken from the target down to the session token, the
// same order in every process, so parallel runs cannot deadlock.
func (j *job) role(ctx context.Context, i int) (*cache.Entry, error) {
	prof := j.ch.Roles[i]
	target := i == len(j.ch.Roles)-1
	externalID := prof.ExternalID
	duration := cmp.Or(prof.Duration, DefaultRoleDuration)
	if target {
		externalID = cmp.Or(j.req.ExternalID, externalID)
		duration = cmp.Or(j.req.RoleDuration, duration)
	}
	useCache := !(target && j.req.Refresh)
	name := roleCacheName(prof)
	hit := func() *cache.Entry {
		// An Identity Center role's ARN is learnt with its credentials;
		// its cache name says which role it is.
		if e := j.p.Cache.Load(cache.Role, name, j.now); e != nil && (e.RoleARN == prof.RoleARN || prof.IsSSO()) && e.ExternalID == externalID &&
			(j.sourceID() == "" || e.SourceKeyID == j.sourceID()) {
			j.p.debug("role %s for %q: cached, expires %s", e.RoleARN, prof.Name, e.Expiration.Format(time.RFC3339))
			return e
		}
		return nil
	}
	if useCache { // first look without the lock, as in session
		if e := hit(); e != nil {
			return e, nil
		}
	}
	unlock := j.p.Cache.Lock(cache.Role, name)
	defer unlock()
	if useCache {
		// Another run may have fetched it while this one waited.
		if e := hit(); e != nil {
			return e, nil
		}
	}

	in := &sts.AssumeRoleInput{RoleArn: aws.String(prof.RoleARN), DurationSeconds: awssts.Seconds(duration)}
	if externalID != "" {
		in.ExternalId = aws.String(externalID)
	}
	var caller *cache.Entry
	identity := func() (account, arn string) { return caller.Account, caller.ARN }
	switch {
	case i == 0 && j.ch.Base.Federated():
		e, err := j.federated(ctx, prof, duration)
		if err != nil {
			return nil, err
		}
		e.RoleARN, e.ExternalID, e.SourceKeyID = prof.RoleARN, externalID, j.sourceID()
		if prof.IsSSO() {
			// Who these credentials are (the role's ARN, the user's
			// session name): asked once, cached with them.
			_, arn := j.callerIdentity(ctx, e)
			e.RoleARN, e.RoleSessionName = ssoRoleARN(arn)
			if e.RoleARN == "" {
				// STS did not say (unreachable, or this clock is off: the
				// portal does not mind, STS does). The expired entry of
				// this cache name was the same role: keep its ARN, which
				// --renew checks and the shell shows.
				var old cache.Entry
				if j.p.Cache != nil && cache.ReadPrivateJSON(j.p.Cache.Path(cache.Role, name, ".json"), &old, j.p.debug) && old.Version == cache.Version {
					e.RoleARN, e.RoleSessionName = old.RoleARN, old.RoleSessionName
				}
			}
		}
		j.p.Cache.Store(cache.Role, name, e)
		return e, nil
	case i > 0:
		if duration > chainLimit {
			return nil, fmt.Errorf("profile %q: a role assumed from another role (%s) is limited by STS to %s; asked for %s", prof.Name, j.ch.Roles[i-1].Name, chainLimit, duration)
		}
		inner, err := j.role(ctx, i-1)
		if err != nil {
			return nil, err
		}
		caller = inner
		identity = func() (string, string) { return accountOf(inner.RoleARN), inner.RoleSessionName }
	case duration > chainLimit:
		// STS caps role chaining at 1h, and a session token's credentials
		// count as chaining: assume the role straight from the long-term
		// keys, with the MFA code in the AssumeRole call itself.
		long, err := j.p.baseCredentials(ctx, j.ch.Base)
		if err != nil {
			return nil, err
		}
		caller = &cache.Entry{AccessKeyID: long.AccessKeyID, SecretAccessKey: long.SecretAccessKey, SessionToken: long.SessionToken, SourceKeyID: long.AccessKeyID}
		if long.SessionToken == "" && j.serial != "" {
			code, err := j.mfaCode(ctx)
			if err != nil {
				return nil, err
			}
			in.SerialNumber, in.TokenCode = aws.String(j.serial), aws.String(code)
		}
		identity = func() (string, string) { return j.callerIdentity(ctx, caller) }
	default:
		s, err := j.session(ctx, false)
		if err != nil {
			return nil, err
		}
		caller = s
	}

	sessionName := prof.RoleSessionName
	if sessionName == "" {
		account, arn := identity()
		sessionName = awssts.DefaultSessionName(account, arn, j.now)
	}
	in.RoleSessionName = aws.String(awssts.SessionName(sessionName))

	j.p.debug("AssumeRole %s for %q (%s, session %s)", prof.RoleARN, prof.Name, duration, *in.RoleSessionName)
	assume := func(c *cache.Entry) (*sts.AssumeRoleOutput, error) {
		client := j.client.With(c.Credentials())
		return awssts.Call(ctx, j.p.Timeout, func(ctx context.Context) (*sts.AssumeRoleOutput, error) { return client.AssumeRole(ctx, in) })
	}
	out, err := assume(caller)
	if err != nil && i == 0 && duration <= chainLimit && awssts.IsCode(err, "ExpiredToken") {
		// The cached session token expired or was revoked early: drop it
		// and authenticate once more, never in a loop.
		j.p.debug("session token rejected as expired; getting a new one")
		j.p.Cache.Remove(cache.Session, j.ch.Base.Name)
		if caller, err = j.session(ctx, true); err != nil {
			return nil, err
		}
		out, err = assume(caller)
	}
	if err != nil {
		return nil, awssts.Error("AssumeRole "+prof.RoleARN, prof.Name, err)
	}
	e := fromSTS(out.Credentials)
	e.RoleARN, e.ExternalID, e.RoleSessionName = prof.RoleARN, externalID, *in.RoleSessionName
	e.SourceKeyID = j.sourceID()
	j.p.Cache.Store(cache.Role, name, e)
	return e, nil
}

// callerIdentity asks STS who c is; a failure only costs the session name
// its account and user parts.
func (j *job) callerIdentity(ctx context.Context, c *cache.Entry) (account, arn string) {
	out, err := awssts.Call(ctx, j.p.Timeout, func(ctx context.Context) (*sts.GetCallerIdentityOutput, error) {
		return j.client.With(c.Credentials()).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	})
	if err != nil {
		j.p.debug("GetCallerIdentity: %v", err)
		return "", ""
	}
	return aws.ToString(out.Account), aws.ToString(out.Arn)
}

// mfaCode is -o's code, else one asked for at the terminal.
func (j *job) mfaCode(ctx context.Context) (string, error) {
	if j.req.OTP != "" {
		if !awssts.IsMFACode(j.req.OTP) {
			return "", errors.New("the MFA code given with -o must be 6 digits")
		}
		return j.req.OTP, nil
	}
	if j.p.Prompter == nil {
		return "", &InputNeededError{What: fmt.Sprintf("an MFA code for %s is needed: give it with -o CODE", j.serial)}
	}
	return j.p.Prompter.Code(ctx, prompt.Code{Profile: j.promptProfile(), Device: j.serial})
}

// promptProfile is how the chain says to ask for its MFA code: the
// profile asked for, with each prompt key from the nearest profile that
// sets it, from the target down to the base, as mfa_serial is found.
// A project's ./aws_config cannot set them (config.projectKeys).
func (j *job) promptProfile() prompt.Profile {
	pp := prompt.Profile{Name: j.req.Profile}
	profs := append([]*config.Profile{j.ch.Base}, j.ch.Roles...)
	for i := len(profs) - 1; i >= 0; i-- {
		pp.MFAProcess = cmp.Or(pp.MFAProcess, profs[i].MFAProcess)
		pp.MFAPrompt = cmp.Or(pp.MFAPrompt, profs[i].MFAPrompt)
		pp.OATHName = cmp.Or(pp.OATHName, profs[i].MFAOATHName)
	}
	return pp
}

// accountOf is the account field of an ARN.
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

// fromSTS is the cache entry of an STS answer's credentials.
func fromSTS(c *types.Credentials) *cache.Entry {
	cr := awssts.Credentials(c)
	return &cache.Entry{AccessKeyID: cr.AccessKeyID, SecretAccessKey: cr.SecretAccessKey, SessionToken: cr.SessionToken, Expiration: cr.Expires}
}
