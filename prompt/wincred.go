package prompt

import (
	"encoding/base64"
	"strings"
	"unicode/utf16"
)

// powershellArgs runs script by Windows PowerShell as -EncodedCommand
// (base64 of UTF-16LE): no quoting on the command line to get wrong.
func powershellArgs(script string) []string {
	u := utf16.Encode([]rune(script))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i], b[2*i+1] = byte(c), byte(c>>8)
	}
	return []string{"-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-EncodedCommand", base64.StdEncoding.EncodeToString(b)}
}

// wincredScript is a Windows Forms dialog: a label, a text box (masked
// when hidden), OK and Cancel. It prints the answer as UTF-8 and exits 0,
// or exits 1 on Cancel or when the window is closed.
func wincredScript(title, text string, hidden bool) string {
	mask := "$false"
	if hidden {
		mask = "$true"
	}
	return strings.NewReplacer("@TITLE@", psString(title), "@TEXT@", psString(text), "@MASK@", mask).Replace(`$ErrorActionPreference = 'Stop'
Add-Type -AssemblyName System.Windows.Forms
[Console]::OutputEncoding = [System.Text.Encoding]::UTF8
$form = New-Object System.Windows.Forms.Form
$form.Text = @TITLE@
$form.FormBorderStyle = 'FixedDialog'
$form.StartPosition = 'CenterScreen'
$form.TopMost = $true
$form.MinimizeBox = $false
$form.MaximizeBox = $false
$form.AutoSize = $true
$form.AutoSizeMode = 'GrowAndShrink'
$panel = New-Object System.Windows.Forms.FlowLayoutPanel
$panel.FlowDirection = 'TopDown'
$panel.AutoSize = $true
$panel.Padding = New-Object System.Windows.Forms.Padding(10)
$label = New-Object System.Windows.Forms.Label
$label.Text = @TEXT@
$label.AutoSize = $true
$label.UseMnemonic = $false
$box = New-Object System.Windows.Forms.TextBox
$box.Width = 320
$box.UseSystemPasswordChar = @MASK@
$ok = New-Object System.Windows.Forms.Button
$ok.Text = 'OK'
$ok.DialogResult = [System.Windows.Forms.DialogResult]::OK
$cancel = New-Object System.Windows.Forms.Button
$cancel.Text = 'Cancel'
$cancel.DialogResult = [System.Windows.Forms.DialogResult]::Cancel
$form.AcceptButton = $ok
$form.CancelButton = $cancel
$panel.Controls.AddRange(@($label, $box, $ok, $cancel))
$form.Controls.Add($panel)
$form.Add_Shown({ $form.Activate(); [void]$box.Focus() })
if ($form.ShowDialog() -ne [System.Windows.Forms.DialogResult]::OK) { exit 1 }
[Console]::Out.Write($box.Text)
exit 0
`)
}

// psString quotes s as a PowerShell single-quoted string: every character
// PowerShell takes for a single quote (U+0027, U+2018, U+2019, U+201A,
// U+201B) is doubled; nothing else is special inside.
func psString(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201a', '\u201b':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}
