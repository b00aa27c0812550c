package ssotest

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
)

const bearerHeader = "X-Amz-Sso_bearer_token"

type portalError struct {
	status   int
	typ, msg string
}

var errUnauthorized = &portalError{401, "UnauthorizedException", "Session token not found or invalid"}

func (s *Server) servePortal(w http.ResponseWriter, r *http.Request) {
	call := Call{Account: r.URL.Query().Get("account_id"), Role: r.URL.Query().Get("role_name")}
	var out any
	var perr *portalError
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/federation/credentials":
		call.Op = "GetRoleCredentials"
		out, perr = s.getRoleCredentials(r)
	case r.Method == http.MethodGet && r.URL.Path == "/assignment/accounts":
		call.Op = "ListAccounts"
		out, perr = s.listAccounts(r)
	case r.Method == http.MethodGet && r.URL.Path == "/assignment/roles":
		call.Op = "ListAccountRoles"
		out, perr = s.listAccountRoles(r)
	case r.Method == http.MethodPost && r.URL.Path == "/logout":
		call.Op = "Logout"
		perr = s.logout(r)
	default:
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if perr != nil {
		call.Err = perr.typ
	}
	s.record(call)
	w.Header().Set("Content-Type", "application/json")
	if perr != nil {
		w.Header().Set("X-Amzn-ErrorType", perr.typ)
		w.WriteHeader(perr.status)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": perr.msg})
		return
	}
	if out == nil {
		out = struct{}{}
	}
	_ = json.NewEncoder(w).Encode(out)
}

// bearer finds the valid access token of the request; s.mu must be held.
func (s *Server) bearer(r *http.Request) (*grant, *portalError) {
	tok := r.Header.Get(bearerHeader)
	for t, g := range s.access {
		if subtle.ConstantTimeCompare([]byte(t), []byte(tok)) == 1 {
			if g.sess.loggedOut || !s.now().Before(g.expires) {
				return nil, errUnauthorized
			}
			return g, nil
		}
	}
	return nil, errUnauthorized
}

func (s *Server) account(id string) (Account, bool) {
	for _, a := range s.cfg.Accounts {
		if a.ID == id {
			return a, true
		}
	}
	return Account{}, false
}

func (s *Server) getRoleCredentials(r *http.Request) (any, *portalError) {
	q := r.URL.Query()
	s.mu.Lock()
	_, perr := s.bearer(r)
	s.mu.Unlock()
	if perr != nil {
		return nil, perr
	}
	acct, role := q.Get("account_id"), q.Get("role_name")
	if acct == "" || role == "" {
		return nil, &portalError{400, "InvalidRequestException", "account_id and role_name are required"}
	}
	a, ok := s.account(acct)
	if !ok || !slices.Contains(a.Roles, role) {
		return nil, &portalError{403, "ForbiddenException", "No access"}
	}
	var id, sec, tok string
	var exp int64
	if s.cfg.STS != nil {
		c, err := s.cfg.STS.IssueRoleCredentials(RoleARN(acct, role), s.cfg.UserName, s.cfg.RoleSessionTTL)
		if err != nil {
			return nil, &portalError{500, "InternalServerException", err.Error()}
		}
		id, sec, tok, exp = c.AccessKeyID, c.SecretAccessKey, c.SessionToken, c.Expires.UnixMilli()
	} else {
		id, sec, tok = "ASIA"+secret("", 8)[:16], secret("", 20), secret("", 64)
		exp = s.now().Add(s.cfg.RoleSessionTTL).UnixMilli()
	}
	return map[string]any{"roleCredentials": map[string]any{
		"accessKeyId": id, "secretAccessKey": sec, "sessionToken": tok, "expiration": exp,
	}}, nil
}

// page cuts one page of n items, with next_token an offset.
func (s *Server) page(r *http.Request, n int) (lo, hi int, next string, perr *portalError) {
	q := r.URL.Query()
	size := s.cfg.PageSize
	if m := q.Get("max_result"); m != "" {
		v, err := strconv.Atoi(m)
		if err != nil || v < 1 || v > 100 {
			return 0, 0, "", &portalError{400, "InvalidRequestException", "max_result must be 1 to 100"}
		}
		size = min(size, v)
	}
	if t := q.Get("next_token"); t != "" {
		v, err := strconv.Atoi(t)
		if err != nil || v < 0 || v > n {
			return 0, 0, "", &portalError{400, "InvalidRequestException", "Invalid next_token"}
		}
		lo = v
	}
	hi = min(lo+size, n)
	if hi < n {
		next = strconv.Itoa(hi)
	}
	return lo, hi, next, nil
}

func (s *Server) listAccounts(r *http.Request) (any, *portalError) {
	s.mu.Lock()
	_, perr := s.bearer(r)
	s.mu.Unlock()
	if perr != nil {
		return nil, perr
	}
	lo, hi, next, perr := s.page(r, len(s.cfg.Accounts))
	if perr != nil {
		return nil, perr
	}
	list := []map[string]string{}
	for _, a := range s.cfg.Accounts[lo:hi] {
		list = append(list, map[string]string{"accountId": a.ID, "accountName": a.Name, "emailAddress": a.Email})
	}
	out := map[string]any{"accountList": list}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

func (s *Server) listAccountRoles(r *http.Request) (any, *portalError) {
	s.mu.Lock()
	_, perr := s.bearer(r)
	s.mu.Unlock()
	if perr != nil {
		return nil, perr
	}
	a, _ := s.account(r.URL.Query().Get("account_id"))
	lo, hi, next, perr := s.page(r, len(a.Roles))
	if perr != nil {
		return nil, perr
	}
	list := []map[string]string{}
	for _, role := range a.Roles[lo:hi] {
		list = append(list, map[string]string{"roleName": role, "accountId": a.ID})
	}
	out := map[string]any{"roleList": list}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

// logout ends the sign-in of the token: its access and refresh tokens.
func (s *Server) logout(r *http.Request) *portalError {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, perr := s.bearer(r)
	if perr != nil {
		return perr
	}
	g.sess.loggedOut = true
	return nil
}
