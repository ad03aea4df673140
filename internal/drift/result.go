package drift

// Kinds of feature.
const (
	KindNumeric     = "numeric"
	KindCategorical = "categorical"
)

// Thresholds decide when a feature, and the data set, drifted.
type Thresholds struct {
	// PSI: a feature drifted when its PSI is at least this (default 0.2).
	PSI float64 `json:"psi"`
	// Alpha: a feature drifted when its test's p-value is below Alpha
	// divided by the number of features tested (Bonferroni; default 0.05).
	Alpha float64 `json:"alpha"`
	// Share: the data set drifted when at least this share of the tested
	// features drifted (default 0.5).
	Share float64 `json:"share"`
	// Degradation: a model metric degraded when it is worse than the
	// baseline's by more than this share of the baseline's value (default
	// 0.05).
	Degradation float64 `json:"degradation"`
}

// DefaultThresholds are the thresholds docs/drift.md explains.
var DefaultThresholds = Thresholds{PSI: 0.2, Alpha: 0.05, Share: 0.5, Degradation: 0.05}

// Result is a drift report: `slipway drift -o json`, and the document the
// gate gives policies as input.drift.
type Result struct {
	// Reference is where the reference data came from: a file, or a model
	// pinned by digest.
	Reference string `json:"reference"`
	// ReferenceFile is the dataset file of the model used as reference.
	ReferenceFile string `json:"reference_file,omitempty"`
	// Current are the current data files ("-" is stdin).
	Current []string `json:"current"`
	// ReferenceRows and CurrentRows count the data rows read.
	ReferenceRows int `json:"reference_rows"`
	CurrentRows   int `json:"current_rows"`
	// Columns are the features compared, in the reference's column order.
	Columns []string `json:"columns"`
	// Features holds each compared feature's statistics, by name.
	Features map[string]*Feature `json:"features"`
	// OnlyInReference and OnlyInCurrent are the columns one side lacks;
	// they are not compared.
	OnlyInReference []string `json:"only_in_reference,omitempty"`
	OnlyInCurrent   []string `json:"only_in_current,omitempty"`
	// Tested is the number of features with a test; Drifted how many of
	// them drifted.
	Tested  int `json:"tested"`
	Drifted int `json:"drifted"`
	// ShareDrifted is Drifted/Tested (0 when nothing was tested).
	ShareDrifted float64 `json:"share_drifted"`
	// DatasetDrift is ShareDrifted ≥ Thresholds.Share.
	DatasetDrift bool `json:"dataset_drift"`
	// Thresholds are the ones applied.
	Thresholds Thresholds `json:"thresholds"`
	// ExactLimit is how many numbers per column and side are held for
	// exact statistics; SketchAccuracy the relative accuracy of the sketch
	// beyond it.
	ExactLimit     int     `json:"exact_limit"`
	SketchAccuracy float64 `json:"sketch_accuracy"`
	// Model is the model's drift, with --prediction (and --target).
	Model *Model `json:"model,omitempty"`
}

// Feature is one feature's comparison.
type Feature struct {
	// Kind is numeric or categorical.
	Kind string `json:"kind"`
	// Test is "ks" (two-sample Kolmogorov–Smirnov) for a numeric feature,
	// "chi2" (chi-square of the 2×k contingency table) for a categorical one,
	// "" when a side has no values.
	Test string `json:"test,omitempty"`
	// Method is how the KS p-value was computed: exact or asymp, as scipy's
	// ks_2samp(method='auto') chooses.
	Method string `json:"method,omitempty"`
	// Statistic and PValue are the test's.
	Statistic float64 `json:"statistic"`
	PValue    float64 `json:"p_value"`
	// KSPValue repeats PValue for a numeric feature (the name the shipped
	// drift policy reads).
	KSPValue *float64 `json:"ks_pvalue,omitempty"`
	// DoF is the chi-square test's degrees of freedom.
	DoF int `json:"dof,omitempty"`
	// PSI is the population stability index over Bins bins (numeric: the
	// reference's deciles; categorical: the categories).
	PSI float64 `json:"psi"`
	// JS is the Jensen–Shannon distance (base 2) over the same bins.
	JS   float64 `json:"js"`
	Bins int     `json:"bins"`
	// Wasserstein is the Wasserstein-1 distance (numeric features), and
	// WassersteinNorm the same divided by the reference's standard
	// deviation (absent when that is 0).
	Wasserstein     *float64 `json:"wasserstein,omitempty"`
	WassersteinNorm *float64 `json:"wasserstein_norm,omitempty"`
	// UnseenCategories are categories of the current data the reference
	// never has.
	UnseenCategories []string `json:"unseen_categories,omitempty"`
	// ReferenceCount and CurrentCount are the non-missing values compared;
	// ReferenceMissing and CurrentMissing the missing ones left out.
	ReferenceCount   int `json:"reference_count"`
	CurrentCount     int `json:"current_count"`
	ReferenceMissing int `json:"reference_missing"`
	CurrentMissing   int `json:"current_missing"`
	// Approximate is true when a side had more values than the exact
	// limit: the statistics are then those of the values moved to the
	// quantile sketch's buckets (within SketchAccuracy relative), the
	// KS p-value asymptotic (docs/drift.md).
	Approximate bool `json:"approximate,omitempty"`
	// Drifted is the decision; Reasons says which thresholds it crossed.
	Drifted bool     `json:"drifted"`
	Reasons []string `json:"reasons,omitempty"`
	// Skipped says why the feature was not tested.
	Skipped string `json:"skipped,omitempty"`
	// Distribution holds the bins PSI and JS compare, for reports to draw.
	Distribution *Distribution `json:"distribution,omitempty"`
}

// Distribution is the reference's and the current data's counts over the bins
// PSI and JS compare: a numeric feature's deciles or a categorical one's
// categories.
type Distribution struct {
	// Edges are a numeric feature's inner bin edges (the reference's
	// deciles, duplicates merged); the outer edges are −∞ and +∞, so bin i
	// is [Edges[i−1], Edges[i]) and there are len(Edges)+1 bins.
	Edges []float64 `json:"edges,omitempty"`
	// Min and Max are a numeric feature's smallest and largest value on
	// either side: where the outer bins end in a drawing.
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// Categories are a categorical feature's bins: the union of both
	// sides' categories, sorted.
	Categories []string `json:"categories,omitempty"`
	// Reference and Current are the non-missing values counted in each bin.
	Reference []int `json:"reference"`
	Current   []int `json:"current"`
}

// ApproximateFeatures names the features whose statistics come from the
// quantile sketch, in column order.
func (r *Result) ApproximateFeatures() []string {
	var out []string
	for _, name := range r.Columns {
		if f := r.Features[name]; f != nil && f.Approximate {
			out = append(out, name)
		}
	}
	return out
}
