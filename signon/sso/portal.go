package sso

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
)

// LogoutResult says what Logout did.
type LogoutResult struct {
	// TokenFile is the token file removed (or that was not there).
	TokenFile string
	// SignedOut: the portal's Logout ended the session on the server.
	// False when there was no valid access token to end it with.
	SignedOut bool
}

// Logout ends the session: the portal's Logout with the cached access
// token, when there is a valid one, then the token file goes. The caller
// removes the role credentials it cached for profiles of this session
// (Settings.RoleCacheID): the server does not revoke those, they only
// expire. A failed Logout call is returned, but the file is removed anyway.
func (c *Client) Logout(ctx context.Context, s Settings) (LogoutResult, error) {
	path, err := TokenFile(c.CacheDir, s)
	if err != nil {
		return LogoutResult{}, err
	}
	res := LogoutResult{TokenFile: path}
	unlock, err := c.lock(ctx, path)
	if err != nil {
		return res, err
	}
	defer unlock()
	var callErr error
	if t, _ := readToken(path, c.debug); t != nil && t.AccessToken != "" && c.now().Before(t.expires()) {
		_, err := c.portal(s).Logout(ctx, &sso.LogoutInput{AccessToken: aws.String(t.AccessToken)})
		var ue *ssotypes.UnauthorizedException
		switch {
		case err == nil:
			res.SignedOut = true
		case errors.As(err, &ue): // already ended on the server
		default:
			callErr = fmt.Errorf("IAM Identity Center Logout of %s: %w", s.where(), err)
		}
	}
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return res, errors.Join(callErr, err)
	}
	return res, callErr
}

// Account is an account the user may use.
type Account struct {
	ID, Name, Email string
}

// Role is a permission set of the user in an account.
type Role struct {
	AccountID, RoleName string
}

// ListAccounts lists the accounts the session's user may use, every page.
func (c *Client) ListAccounts(ctx context.Context, s Settings, nonInteractive bool) ([]Account, error) {
	if err := s.validateSession(); err != nil {
		return nil, err
	}
	var list []Account
	err := c.withToken(ctx, s, nonInteractive, func(tok string) error {
		list = nil
		p := sso.NewListAccountsPaginator(c.portal(s), &sso.ListAccountsInput{AccessToken: aws.String(tok)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, a := range out.AccountList {
				list = append(list, Account{ID: aws.ToString(a.AccountId), Name: aws.ToString(a.AccountName), Email: aws.ToString(a.EmailAddress)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("IAM Identity Center: listing the accounts of %s: %w", s.where(), err)
	}
	return list, nil
}

// ListRoles lists the user's roles in an account, every page.
func (c *Client) ListRoles(ctx context.Context, s Settings, accountID string, nonInteractive bool) ([]Role, error) {
	if err := s.validateSession(); err != nil {
		return nil, err
	}
	var list []Role
	err := c.withToken(ctx, s, nonInteractive, func(tok string) error {
		list = nil
		p := sso.NewListAccountRolesPaginator(c.portal(s), &sso.ListAccountRolesInput{AccessToken: aws.String(tok), AccountId: aws.String(accountID)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, r := range out.RoleList {
				list = append(list, Role{AccountID: aws.ToString(r.AccountId), RoleName: aws.ToString(r.RoleName)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("IAM Identity Center: listing the roles in account %s: %w", quote(accountID), err)
	}
	return list, nil
}

// Assignment is one role of the user in one account.
type Assignment struct {
	AccountID, AccountName, Email, RoleName string
}

// Assignments lists every role in every account of the user, in the
// portal's order (for sso list and sso config).
func (c *Client) Assignments(ctx context.Context, s Settings, nonInteractive bool) ([]Assignment, error) {
	accounts, err := c.ListAccounts(ctx, s, nonInteractive)
	if err != nil {
		return nil, err
	}
	var out []Assignment
	for _, a := range accounts {
		roles, err := c.ListRoles(ctx, s, a.ID, nonInteractive)
		if err != nil {
			return nil, err
		}
		for _, r := range roles {
			out = append(out, Assignment{AccountID: a.ID, AccountName: a.Name, Email: a.Email, RoleName: r.RoleName})
		}
	}
	return out, nil
}
