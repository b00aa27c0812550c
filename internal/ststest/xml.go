package ststest

import (
	"encoding/xml"
	"net/http"
)

const xmlns = "https://sts.amazonaws.com/doc/" + APIVersion + "/"

const (
	msgInvalidToken = "The security token included in the request is invalid."
	msgExpiredToken = "The security token included in the request is expired"
)

// apiError is an STS error answer.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func newError(status int, code, msg string) *apiError {
	return &apiError{Status: status, Code: code, Message: msg}
}

var (
	errInvalidToken = newError(403, "InvalidClientTokenId", msgInvalidToken)
	// errCanceled is never written: the client is gone.
	errCanceled = newError(499, ErrCanceled, "")
)

func errMalformedQuery() *apiError {
	return newError(400, "MalformedQueryString", "The query string is malformed.")
}

// errNotAuthorized is STS's AccessDenied for a caller that a policy does not
// allow; resource "" leaves out the " on resource: ..." part.
func errNotAuthorized(callerARN, action, resource string) *apiError {
	msg := "User: " + callerARN + " is not authorized to perform: sts:" + action
	if resource != "" {
		msg += " on resource: " + resource
	}
	return newError(403, "AccessDenied", msg)
}

type responseMetadata struct {
	RequestId string
}

// envelope is <ActionResponse xmlns=...><ActionResult>...</ActionResult><ResponseMetadata>...
// The result element's name comes from its XMLName field.
type envelope struct {
	XMLName          xml.Name
	Xmlns            string `xml:"xmlns,attr"`
	Result           any
	ResponseMetadata responseMetadata
}

type errorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string
		Code    string
		Message string
	}
	RequestId string
}

func writeResult(w http.ResponseWriter, action, requestID string, result any) {
	writeXML(w, http.StatusOK, envelope{
		XMLName:          xml.Name{Local: action + "Response"},
		Xmlns:            xmlns,
		Result:           result,
		ResponseMetadata: responseMetadata{RequestId: requestID},
	})
}

func writeError(w http.ResponseWriter, requestID string, e *apiError) {
	var r errorResponse
	r.Xmlns = xmlns
	r.Error.Type = "Sender"
	if e.Status >= 500 {
		r.Error.Type = "Receiver"
	}
	r.Error.Code, r.Error.Message = e.Code, e.Message
	r.RequestId = requestID
	writeXML(w, e.Status, r)
}

func writeXML(w http.ResponseWriter, status int, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		// Only a bug in this package gets here.
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
}
