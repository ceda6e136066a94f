package scheduler

import (
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// docBlock returns the first fenced block of lang in docs/cms-integration.md.
func docBlock(t *testing.T, lang string) string {
	t.Helper()
	doc, err := os.ReadFile("../docs/cms-integration.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```" + lang + "\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatalf("no %s block in docs/cms-integration.md", lang)
	}
	return string(m[1])
}

// TestCMSDocSQL runs the SQL examples of docs/cms-integration.md, as written, through a plain
// connection: the copy-paste examples must work.
func TestCMSDocSQL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	spring(e)
	cms := cmsConn(t, e.path)
	runDocSQL(t, cms, docBlock(t, "sql"), func() {
		if _, err := e.planner.Reconcile(e.ctx); err != nil {
			t.Fatal(err)
		}
	})
	var status, errText string
	cms.QueryRow(`SELECT status, error FROM broadcasts WHERE external_ref = 'cms-1234'`).Scan(&status, &errText)
	if status != "cancelled" || errText != "" {
		t.Errorf("after the examples: status %q error %q", status, errText)
	}
	var skipped, cancelled int
	cms.QueryRow(`SELECT count(*) FILTER (WHERE status = 'skipped'), count(*) FILTER (WHERE status = 'cancelled') FROM posts`).Scan(&skipped, &cancelled)
	if skipped+cancelled == 0 {
		t.Error("the examples planned no posts")
	}
}

// TestCMSDocPython runs the Python example of docs/cms-integration.md with python3.
func TestCMSDocPython(t *testing.T) {
	t.Parallel()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: the Python example of docs/cms-integration.md is not run")
	}
	e := newEnv(t, time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	spring(e)
	script := filepath.Join(t.TempDir(), "cms.py")
	if err := os.WriteFile(script, []byte(docBlock(t, "python")), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, script)
	cmd.Dir = filepath.Dir(e.path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python example: %v\n%s", err, out)
	}
	res, err := e.planner.Reconcile(e.ctx)
	if err != nil || res.Planned != 1 || res.Errors != 0 {
		t.Errorf("after the Python example: %+v %v", res, err)
	}
	posts := e.posts(1)
	if p, ok := posts["live 0"]; !ok || p.DueAt.Unix() != 1806422400 {
		t.Errorf("live post from the Python example: %+v", p)
	}
}

// runDocSQL runs a documentation block of SQL statements, as written, on a CMS's connection:
// comments are dropped, a SELECT is queried, anything else executed; after runs once each
// statement has (nil: nothing).
func runDocSQL(t *testing.T, cms *sql.DB, block string, after func()) {
	t.Helper()
	for _, stmt := range strings.Split(block, ";") {
		var lines []string
		for _, l := range strings.Split(stmt, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), "--") {
				lines = append(lines, l)
			}
		}
		stmt = strings.TrimSpace(strings.Join(lines, "\n"))
		if stmt == "" {
			continue
		}
		if strings.HasPrefix(stmt, "SELECT") {
			rows, err := cms.Query(stmt)
			if err != nil {
				t.Fatalf("%s\n: %v", stmt, err)
			}
			rows.Close()
		} else if _, err := cms.Exec(stmt); err != nil {
			t.Fatalf("%s\n: %v", stmt, err)
		}
		if after != nil {
			after()
		}
	}
}
