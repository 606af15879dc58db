// alloy-check evaluates the parts of mdso-alloy/config.alloy that Alloy runs through Go's own
// libraries — regexp (RE2), time.Parse and text/template — with those same libraries, so the
// tests do not depend on a JavaScript approximation. Input and output are JSON (stdin/stdout).
package main

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"text/template"
	"time"
)

type input struct {
	Regexes    []string            `json:"regexes"`
	Lines      []string            `json:"lines"`
	Timestamps []timestampInput    `json:"timestamps"`
	Template   string              `json:"template"`
	Values     []map[string]string `json:"values"`
}

type timestampInput struct {
	Layout   string `json:"layout"`
	Value    string `json:"value"`
	Location string `json:"location"`
}

type output struct {
	RegexErrors []string              `json:"regexErrors"`
	Captures    [][]map[string]string `json:"captures"` // [regex][line] -> named groups (nil: no match)
	Timestamps  []string              `json:"timestamps"`
	Template    []string              `json:"template"`
}

// Loki's timestamp stage accepts these names for Go's predefined layouts.
var namedLayouts = map[string]string{
	"ANSIC": time.ANSIC, "UnixDate": time.UnixDate, "RubyDate": time.RubyDate, "RFC822": time.RFC822,
	"RFC822Z": time.RFC822Z, "RFC850": time.RFC850, "RFC1123": time.RFC1123, "RFC1123Z": time.RFC1123Z,
	"RFC3339": time.RFC3339, "RFC3339Nano": time.RFC3339Nano, "Kitchen": time.Kitchen, "Stamp": time.Stamp,
	"StampMilli": time.StampMilli, "StampMicro": time.StampMicro, "StampNano": time.StampNano,
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	var out output
	for _, pattern := range in.Regexes {
		re, err := regexp.Compile(pattern)
		if err != nil {
			out.RegexErrors = append(out.RegexErrors, err.Error())
			out.Captures = append(out.Captures, nil)
			continue
		}
		out.RegexErrors = append(out.RegexErrors, "")
		perLine := make([]map[string]string, len(in.Lines))
		for i, line := range in.Lines {
			m := re.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			groups := map[string]string{}
			for j, name := range re.SubexpNames() {
				if name != "" && m[j] != "" {
					groups[name] = m[j]
				}
			}
			perLine[i] = groups
		}
		out.Captures = append(out.Captures, perLine)
	}
	for _, ts := range in.Timestamps {
		layout := ts.Layout
		if named, ok := namedLayouts[layout]; ok {
			layout = named
		}
		loc := time.UTC
		if ts.Location != "" {
			l, err := time.LoadLocation(ts.Location)
			if err != nil {
				out.Timestamps = append(out.Timestamps, "error: "+err.Error())
				continue
			}
			loc = l
		}
		t, err := time.ParseInLocation(layout, ts.Value, loc)
		if err != nil {
			out.Timestamps = append(out.Timestamps, "error: "+err.Error())
		} else {
			out.Timestamps = append(out.Timestamps, t.UTC().Format(time.RFC3339Nano))
		}
	}
	if in.Template != "" {
		// The functions Alloy's stage.template offers that this config uses.
		tmpl, err := template.New("t").Funcs(template.FuncMap{"ToLower": strings.ToLower, "ToUpper": strings.ToUpper}).Parse(in.Template)
		if err != nil {
			out.Template = []string{"error: " + err.Error()}
		} else {
			for _, values := range in.Values {
				data := map[string]interface{}{}
				for k, v := range values {
					data[k] = v
				}
				if v, ok := values["level"]; ok {
					data["Value"] = v
				}
				var sb strings.Builder
				if err := tmpl.Execute(&sb, data); err != nil {
					out.Template = append(out.Template, "error: "+err.Error())
				} else {
					out.Template = append(out.Template, sb.String())
				}
			}
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}
