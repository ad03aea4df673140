package drift

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

const python = "/usr/bin/python3"

// needScipy skips without /usr/bin/python3 and scipy, unless CI is set.
func needScipy(t *testing.T) {
	t.Helper()
	if err := exec.Command(python, "-c", "import scipy, numpy").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s with scipy and numpy is needed (apt-get install python3-scipy): %v", python, err)
		}
		t.Skipf("%s with scipy and numpy is not installed: %v", python, err)
	}
}

// loadSklearn reads one of scikit-learn's CSVs: the first line is its
// own, then the features and the class index.
func loadSklearn(t *testing.T, name string) (header []string, rows [][]string) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReader(f))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	nfeat, _ := strconv.Atoi(recs[0][1])
	for i := range nfeat {
		header = append(header, fmt.Sprintf("f%d", i))
	}
	header = append(header, "class")
	return header, recs[1:]
}

func writeCSV(t *testing.T, path string, header []string, rows [][]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	_ = w.Write(header)
	_ = w.WriteAll(rows)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func num(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

type oracleCase struct {
	name      string
	data      string
	transform func(i int, row []string) []string // on the current rows (copies)
	repeat    int                                // reference rows repeated with jitter (asymptotic KS)
}

func oracleCases() []oracleCase {
	return []oracleCase{
		{name: "iris-same-half", data: "iris.csv"},
		{name: "iris-shift-scale-missing-categories", data: "iris.csv", transform: func(i int, r []string) []string {
			r[0] = fmtNum(num(r[0]) + 0.4)
			r[1] = fmtNum(num(r[1]) * 1.3)
			if i%7 == 0 {
				r[2] = ""
			}
			if i%5 == 0 {
				r[3] = "NA"
			}
			if r[4] == "2" && i%3 == 0 {
				r[4] = "1"
			}
			if i%11 == 0 {
				r[4] = "9"
			}
			return r
		}},
		{name: "wine-shift", data: "wine_data.csv", transform: func(i int, r []string) []string {
			for j := 0; j < 13; j += 3 {
				r[j] = fmtNum(num(r[j]) * 1.1)
			}
			r[12] = fmtNum(num(r[12]) + 50)
			if i%4 == 0 {
				r[5] = "null"
			}
			return r
		}},
		{name: "breast-cancer-binary-class", data: "breast_cancer.csv", transform: func(i int, r []string) []string {
			r[0] = fmtNum(num(r[0]) + 1)
			r[7] = fmtNum(num(r[7]) * 0.8)
			if i%9 == 0 {
				r[30] = "0"
			}
			return r
		}},
		{name: "breast-cancer-asymptotic", data: "breast_cancer.csv", repeat: 40, transform: func(i int, r []string) []string {
			r[3] = fmtNum(num(r[3]) * 1.02)
			return r
		}},
	}
}

// TestMatchesScipy builds reference and current files from the shipped
// data sets, runs drift on them and compares every number with scipy's.
func TestMatchesScipy(t *testing.T) {
	needScipy(t)
	for _, tc := range oracleCases() {
		t.Run(tc.name, func(t *testing.T) {
			header, rows := loadSklearn(t, tc.data)
			var ref, cur [][]string
			for i, r := range rows {
				if i%2 == 0 {
					ref = append(ref, r)
					continue
				}
				c := append([]string(nil), r...)
				if tc.transform != nil {
					c = tc.transform(i, c)
				}
				cur = append(cur, c)
			}
			if tc.repeat > 0 {
				base := ref
				for k := 1; k < tc.repeat; k++ {
					for i, r := range base {
						c := append([]string(nil), r...)
						for j := 0; j < len(c)-1; j++ {
							c[j] = fmtNum(num(c[j]) * (1 + float64((i*31+k*17+j)%97-48)*1e-5))
						}
						ref = append(ref, c)
					}
				}
			}
			dir := t.TempDir()
			refPath, curPath := filepath.Join(dir, "ref.csv"), filepath.Join(dir, "cur.csv")
			writeCSV(t, refPath, header, ref)
			writeCSV(t, curPath, header, cur)

			res, err := Run(context.Background(), Request{Reference: refPath, Current: []string{curPath}})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			out, err := exec.Command(python, "testdata/oracle.py", refPath, curPath).Output()
			if err != nil {
				t.Fatalf("oracle.py: %v", err)
			}
			var want map[string]map[string]any
			if err := json.Unmarshal(out, &want); err != nil {
				t.Fatal(err)
			}
			if len(want) != len(res.Features) {
				t.Fatalf("%d features, scipy has %d", len(res.Features), len(want))
			}
			sawAsymp := false
			for name, w := range want {
				f := res.Features[name]
				if f == nil {
					t.Fatalf("feature %s missing", name)
				}
				if f.Kind != w["kind"] {
					t.Errorf("%s: kind %s, scipy side %s", name, f.Kind, w["kind"])
					continue
				}
				if f.Bins != int(w["bins"].(float64)) {
					t.Errorf("%s: %d bins, want %v", name, f.Bins, w["bins"])
				}
				sawAsymp = sawAsymp || f.Method == "asymp"
				statTol, pTol := 1e-12, 1e-6
				if f.Kind == KindCategorical {
					statTol = 1e-9
				}
				check(t, name, "statistic", f.Statistic, w["statistic"], statTol, false)
				check(t, name, "p_value", f.PValue, w["p_value"], pTol, true)
				check(t, name, "psi", f.PSI, w["psi"], 1e-9, false)
				check(t, name, "js", f.JS, w["js"], 1e-9, false)
				if f.Kind == KindNumeric {
					check(t, name, "wasserstein", *f.Wasserstein, w["wasserstein"], 1e-9, false)
					check(t, name, "wasserstein_norm", *f.WassersteinNorm, w["wasserstein_norm"], 1e-9, false)
				}
			}
			if tc.repeat > 0 && !sawAsymp {
				t.Errorf("no feature took the asymptotic KS branch with %d reference rows", len(ref))
			}
		})
	}
}

// check compares got with scipy's want: absolute tolerance, or relative
// when rel (p-values), with an absolute floor of 1e-300 for underflow.
func check(t *testing.T, feature, what string, got float64, want any, tol float64, rel bool) {
	t.Helper()
	w, ok := want.(float64)
	if !ok {
		t.Errorf("%s %s: scipy gave %v", feature, what, want)
		return
	}
	diff := math.Abs(got - w)
	limit := tol
	if rel {
		limit = tol*math.Abs(w) + 1e-300
	}
	if diff > limit {
		t.Errorf("%s %s = %.17g, scipy %.17g (diff %.3g > %.3g)", feature, what, got, w, diff, limit)
	}
}
