package credserver

import "errors"

func asCode(err error, target any) bool { return errors.As(err, target) }
