package main

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/template"
)

//go:embed templates
var templates embed.FS

// datasetFile is where the example keeps its training data, relative to the
// model folder; config.json and the model card refer to it by this name.
const datasetFile = "data/iris.csv"

// outputs lists the files generate writes, in the order it writes them.
var outputs = []string{"model.safetensors", "config.json", "eval.json", "README.md", "predict.py", "requirements.txt"}

// result is what generate did.
type result struct {
	written  []string           // paths of the files written, in outputs order
	metrics  map[string]float64 // eval.json's values
	evalJSON []byte             // eval.json's bytes
}

// generate trains on the headered CSV at dataPath and writes the example
// model's files into outDir.
func generate(dataPath, outDir string) (*result, error) {
	raw, err := os.ReadFile(dataPath)
	if err != nil {
		return nil, fmt.Errorf("reading training data: %w", err)
	}
	files, metrics, err := build(raw)
	if err != nil {
		return nil, fmt.Errorf("building from %s: %w", dataPath, err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	res := &result{metrics: metrics, evalJSON: files["eval.json"]}
	for _, name := range outputs {
		p := filepath.Join(outDir, name)
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return nil, err
		}
		res.written = append(res.written, p)
	}
	return res, nil
}

// build trains and evaluates on the CSV in raw and renders every output
// file in memory, keyed by name.
func build(raw []byte) (map[string][]byte, map[string]float64, error) {
	ds, err := readDataset(bytes.NewReader(raw))
	if err != nil {
		return nil, nil, err
	}
	train, test := split(ds)
	m := fit(train)
	metrics := evaluate(m, test)

	weights, err := encodeSafetensors([]tensor{
		{name: "weight", shape: []int{len(classNames), len(featureNames)}, data: slices.Concat(m.weight...)},
		{name: "bias", shape: []int{len(classNames)}, data: m.bias},
		{name: "feature_mean", shape: []int{len(featureNames)}, data: m.mean},
		{name: "feature_std", shape: []int{len(featureNames)}, data: m.std},
	}, map[string]string{"format": "pt"})
	if err != nil {
		return nil, nil, err
	}
	sum := sha256.Sum256(raw)
	config, err := indentJSON(newConfig(len(train.y), len(test.y), hex.EncodeToString(sum[:])))
	if err != nil {
		return nil, nil, err
	}
	evalJSON, err := indentJSON(metrics) // a map: encoding/json sorts the keys
	if err != nil {
		return nil, nil, err
	}
	card, err := renderCard(m, train, test, metrics)
	if err != nil {
		return nil, nil, err
	}
	predict, err := templates.ReadFile("templates/predict.py")
	if err != nil {
		return nil, nil, err
	}
	return map[string][]byte{
		"model.safetensors": weights,
		"config.json":       config,
		"eval.json":         evalJSON,
		"README.md":         card,
		"predict.py":        predict,
		"requirements.txt":  []byte("numpy\n"),
	}, metrics, nil
}

// config is config.json; the field order is the key order.
type config struct {
	Architecture string         `json:"architecture"`
	Framework    string         `json:"framework"`
	NFeatures    int            `json:"n_features"`
	NClasses     int            `json:"n_classes"`
	FeatureNames []string       `json:"feature_names"`
	ClassNames   []string       `json:"class_names"`
	Input        inputConfig    `json:"input"`
	Training     trainingConfig `json:"training"`
}

type inputConfig struct {
	Units         string `json:"units"`
	Standardize   bool   `json:"standardize"`
	Preprocessing string `json:"preprocessing"`
	Output        string `json:"output"`
}

type trainingConfig struct {
	Algorithm      string  `json:"algorithm"`
	Loss           string  `json:"loss"`
	LearningRate   float64 `json:"learning_rate"`
	Epochs         int     `json:"epochs"`
	Initialization string  `json:"initialization"`
	Regularization string  `json:"regularization"`
	Dataset        string  `json:"dataset"`
	DatasetSHA256  string  `json:"dataset_sha256"`
	Split          string  `json:"split"`
	TrainRows      int     `json:"train_rows"`
	TestRows       int     `json:"test_rows"`
	Generator      string  `json:"generator"`
}

func newConfig(trainRows, testRows int, dataSHA256 string) config {
	return config{
		Architecture: "logistic_regression",
		Framework:    "numpy",
		NFeatures:    len(featureNames),
		NClasses:     len(classNames),
		FeatureNames: featureNames,
		ClassNames:   classNames,
		Input: inputConfig{
			Units:         "cm",
			Standardize:   true,
			Preprocessing: "z = (x - feature_mean) / feature_std, with feature_mean and feature_std (training rows, population standard deviation) stored in model.safetensors",
			Output:        "probabilities = softmax(z @ weight.T + bias), in class_names order",
		},
		Training: trainingConfig{
			Algorithm:      "full-batch gradient descent",
			Loss:           "mean softmax cross-entropy",
			LearningRate:   learningRate,
			Epochs:         epochs,
			Initialization: "zeros",
			Regularization: "none",
			Dataset:        datasetFile,
			DatasetSHA256:  dataSHA256,
			Split:          fmt.Sprintf("row i (0-based, header excluded) is a test row when i %% %d == %d", testEvery, testEvery-1),
			TrainRows:      trainRows,
			TestRows:       testRows,
			Generator:      "go run ./tools/genexample",
		},
	}
}

// indentJSON encodes v with 2-space indentation and a trailing newline.
func indentJSON(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// metric is one row of the model card's metrics.
type metric struct {
	Name  string
	Value string
}

// example is one flower the model card shows predict.py classifying.
type example struct {
	Args        string
	Class       string
	Probability string
}

// renderCard fills in the model card, README.md.
func renderCard(m *model, train, test *dataset, metrics map[string]float64) ([]byte, error) {
	tmpl, err := template.ParseFS(templates, "templates/README.md.tmpl")
	if err != nil {
		return nil, err
	}
	data := struct {
		Metrics                 []metric
		Examples                []example
		TrainRows, TestRows     int
		TestPerClass            int
		LearningRate            string
		Epochs, TestEvery, Last int
		Dataset                 string
	}{
		TrainRows:    len(train.y),
		TestRows:     len(test.y),
		TestPerClass: len(test.y) / len(classNames),
		LearningRate: strconv.FormatFloat(learningRate, 'f', -1, 64),
		Epochs:       epochs,
		TestEvery:    testEvery,
		Last:         testEvery - 1,
		Dataset:      datasetFile,
	}
	for _, name := range slices.Sorted(maps.Keys(metrics)) {
		data.Metrics = append(data.Metrics, metric{Name: name, Value: strconv.FormatFloat(metrics[name], 'f', -1, 64)})
	}
	// The first test row of each class, with what predict.py prints for it.
	for c := range classNames {
		i := slices.Index(test.y, c)
		if i < 0 {
			continue
		}
		p := m.predict(test.x[i])
		best := argmax(p)
		args := make([]string, len(test.x[i]))
		for j, v := range test.x[i] {
			args[j] = strconv.FormatFloat(v, 'f', 1, 64) // Iris is measured to the millimetre
		}
		data.Examples = append(data.Examples, example{
			Args:        strings.Join(args, " "),
			Class:       classNames[best],
			Probability: fmt.Sprintf("%.4f", p[best]), // as predict.py prints it
		})
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("rendering the model card: %w", err)
	}
	return buf.Bytes(), nil
}
