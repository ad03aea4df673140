package ci

// Level is how loud an annotation is.
type Level string

// The levels of annotations, as GitHub names them.
const (
	LevelError   Level = "error"
	LevelWarning Level = "warning"
	LevelNotice  Level = "notice"
)

// Annotation is one finding shown on a file and line of the change.
type Annotation struct {
	Level   Level
	Title   string
	Message string
	File    string
	Line    int
	Col     int
}
