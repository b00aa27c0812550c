package prompt

import "strings"

// osascriptArgs asks with AppleScript's display dialog; Cancel is error
// -128, "User canceled".
func osascriptArgs(title, text string, hidden bool) []string {
	dlg := "display dialog " + appleString(text) + ` default answer "" with title ` + appleString(title) +
		` buttons {"Cancel", "OK"} default button "OK" cancel button "Cancel"`
	if hidden {
		dlg += " with hidden answer"
	}
	return []string{"-e", "set r to " + dlg, "-e", "return text returned of r"}
}

// appleString quotes s as an AppleScript string literal. The rule: inside
// "...", a backslash and a double quote are written \\ and \"; \n, \r and
// \t stand for line feed, return and tab; every other character stands
// for itself. (Control characters never get here: Clean wrote them out.)
func appleString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s) + `"`
}
