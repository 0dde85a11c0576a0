package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Level is a log level with the Python server's names (--log-level).
type Level int

const (
	Debug Level = 10 * (iota + 1)
	Info
	Warning
	Error
)

var levelNames = map[Level]string{Debug: "DEBUG", Info: "INFO", Warning: "WARNING", Error: "ERROR"}

// ParseLevel reads a --log-level value: DEBUG, INFO, WARNING or ERROR.
func ParseLevel(name string) (Level, error) {
	for level, known := range levelNames {
		if known == name {
			return level, nil
		}
	}
	return 0, fmt.Errorf("--log-level must be DEBUG, INFO, WARNING or ERROR, got %q", name)
}

// Logger writes the Python server's log lines: text ("2026-01-02 15:04:05,123 INFO
// teams_server: message") or, with JSON, one object per line with time, level, logger, message
// and a call's method and metadata. Checking Enabled first keeps a disabled level free.
type Logger struct {
	Level Level
	JSON  bool
	mu    sync.Mutex
	out   io.Writer
}

// NewLogger logs to stderr.
func NewLogger(level Level, json bool) *Logger {
	return &Logger{Level: level, JSON: json, out: os.Stderr}
}

func (l *Logger) Enabled(level Level) bool { return l != nil && level >= l.Level }

func (l *Logger) Printf(level Level, format string, args ...any) {
	l.write(level, "teams_server", fmt.Sprintf(format, args...), nil)
}

func (l *Logger) write(level Level, name, message string, fields map[string]any) {
	if !l.Enabled(level) {
		return
	}
	now := time.Now()
	stamp := now.Format("2006-01-02 15:04:05") + fmt.Sprintf(",%03d", now.Nanosecond()/1e6)
	var line []byte
	if l.JSON {
		entry := map[string]any{"time": stamp, "level": levelNames[level], "logger": name, "message": message}
		for key, value := range fields {
			entry[key] = value
		}
		line = marshal(entry)
	} else {
		line = []byte(fmt.Sprintf("%s %s %s: %s", stamp, levelNames[level], name, message))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.out.Write(append(line, '\n'))
}

// Call logs one call's method and redacted metadata at DEBUG, as the Python server's
// teams_server.calls logger does; callers check Enabled(Debug) first.
func (l *Logger) Call(redactor *Redactor, method string, md map[string][]string) {
	clean := redactor.Metadata(md)
	l.write(Debug, "teams_server.calls", method+" "+string(marshal(clean)), map[string]any{"method": method, "metadata": clean})
}

// marshal is JSON without HTML escaping ("<redacted>" stays readable), without a newline.
func marshal(v any) []byte {
	var b bytes.Buffer
	encoder := json.NewEncoder(&b)
	encoder.SetEscapeHTML(false)
	_ = encoder.Encode(v)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// alwaysRedacted are the metadata keys whose values are never logged.
var alwaysRedacted = map[string]bool{
	"authorization": true, "cookie": true, "set-cookie": true, "x-api-key": true, "proxy-authorization": true,
}

const maxValueChars = 256

// Redactor turns call metadata into loggable values: secrets hidden, binary values sized, long
// values cut, exactly as python_server/teams_server/call_log.py does.
type Redactor struct {
	patterns []*regexp.Regexp
}

// NewRedactor also hides the values of keys matching any of the (case-insensitive) patterns.
func NewRedactor(patterns []string) (*Redactor, error) {
	r := &Redactor{}
	for _, pattern := range patterns {
		re, err := regexp.Compile("(?i)" + pattern)
		if err != nil {
			return nil, fmt.Errorf("--redact %q: %w", pattern, err)
		}
		r.patterns = append(r.patterns, re)
	}
	return r, nil
}

func (r *Redactor) secret(key string) bool {
	if alwaysRedacted[key] {
		return true
	}
	for _, re := range r.patterns {
		if re.MatchString(key) {
			return true
		}
	}
	return false
}

// Value is what the log shows of one metadata value.
func (r *Redactor) Value(key, value string) string {
	switch {
	case r.secret(key):
		return "<redacted>"
	case strings.HasSuffix(key, "-bin"):
		return fmt.Sprintf("<%d bytes>", len(value))
	}
	if runes := []rune(value); len(runes) > maxValueChars {
		return fmt.Sprintf("%s...<%d chars>", string(runes[:maxValueChars]), len(runes))
	}
	return value
}

// Metadata is the loggable form of a call's metadata (the last value of a repeated key, as
// Python's dict() keeps).
func (r *Redactor) Metadata(md map[string][]string) map[string]string {
	clean := make(map[string]string, len(md))
	for key, values := range md {
		if len(values) > 0 {
			clean[key] = r.Value(key, values[len(values)-1])
		}
	}
	return clean
}
