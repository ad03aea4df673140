package modelpack

import (
	"strings"

	"github.com/github/go-spdx/v2/spdxexp"
)

// normaliseLicences turns the licences a model card or Kitfile declares into
// SPDX license expressions, as the ModelPack config's descriptor.licenses
// asks: ids and expressions take the SPDX list's spelling ("apache-2.0" ->
// "Apache-2.0", "mit or apache-2.0" -> "MIT OR Apache-2.0"); anything the
// list does not know ("other", "llama3") becomes a LicenseRef-<name>, the
// SPDX way to name a licence that is not on the list. Empty entries and
// repeats are dropped.
func normaliseLicences(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range in {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		norm, invalid := spdxexp.ValidateAndNormalizeLicensesWithOptions([]string{upperOperators(l)}, spdxexp.ValidateLicensesOptions{})
		id := licenseRef(l)
		if len(invalid) == 0 && len(norm) == 1 {
			id = norm[0]
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// licenseRef names a licence that is not on the SPDX list: LicenseRef-
// followed by the name with every character SPDX does not allow in an
// idstring (letters, digits, "." and "-") replaced by "-".
func licenseRef(name string) string {
	if strings.HasPrefix(name, "LicenseRef-") {
		name = strings.TrimPrefix(name, "LicenseRef-")
	}
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			b[i] = '-'
		}
	}
	return "LicenseRef-" + string(b)
}

// upperOperators spells the operators of an expression as SPDX does (AND,
// OR, WITH): model cards often write them in lower case.
func upperOperators(expr string) string {
	fields := strings.Fields(expr)
	for i, f := range fields {
		switch u := strings.ToUpper(f); u {
		case "AND", "OR", "WITH":
			fields[i] = u
		}
	}
	return strings.Join(fields, " ")
}
