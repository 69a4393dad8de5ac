// Command loadtest is `make loadtest`: the load and fault suite of README
// ("Load and faults"). It starts the built binary (bin/gradphoto) on loopback with a
// throw-away data directory and measures, bounded in time and count, then stops:
//
//  1. mixed student traffic alone, then the same traffic beside 8 concurrent decode
//     bombs: p50/p99 of each kind of request, the answers the bombs got, and the
//     server's peak RSS (VmHWM);
//  2. with GRADPHOTO_TEST_MYSQL_DSN set: the server on a fresh MariaDB database
//     reached through an in-process TCP proxy that first stalls (holds every byte),
//     then refuses connections; time to 503 (student API, /readyz) and to recovery.
//
// The real database is never touched beyond creating and dropping its own database.
package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/gradphoto/gradphoto/internal/config"
	"github.com/gradphoto/gradphoto/internal/faultproxy"
	"github.com/gradphoto/gradphoto/internal/imagebudget/bomb"
)

var (
	bin      = flag.String("bin", "bin/gradphoto", "the gradphoto binary to start")
	phase    = flag.Duration("phase", 15*time.Second, "length of each traffic phase")
	students = flag.Int("students", 8, "concurrent students (≤ 16)")
	bombs    = flag.Int("bombs", 8, "concurrent decode-bomb uploaders")
	stallFor = flag.Duration("stall", 15*time.Second, "how long the database stays stalled, and down")
	parts    = flag.String("parts", "memory,database", "which parts to run")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func run() error {
	if _, err := os.Stat(*bin); err != nil {
		return fmt.Errorf("%s: %w (run `make build` first)", *bin, err)
	}
	if *students > 16 {
		*students = 16
	}
	if strings.Contains(*parts, "memory") {
		if err := memoryPhase(); err != nil {
			return err
		}
	}
	if !strings.Contains(*parts, "database") {
		return nil
	}
	dsn := config.TestMySQLDSN()
	if dsn == "" {
		fmt.Printf("\n%s not set: the stalled-database part is skipped\n", config.EnvTestMySQLDSN)
		return nil
	}
	return databasePhase(dsn)
}

// server is a started gradphoto process.
type server struct {
	url string
	cmd *exec.Cmd
	env []string
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// start seeds the demo data and serves, with the rate limits off (the suite is the
// only client) and env added to the environment.
func start(extra ...string) (*server, error) {
	dir, err := os.MkdirTemp("", "gradphoto-loadtest-")
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cfgFile := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgFile, []byte("http:\n  logins_per_minute: 0\n  uploads_per_minute: 0\nlog:\n  level: warn\n"), 0o600); err != nil {
		return nil, err
	}
	env := append(os.Environ(), "GRADPHOTO_DATA_DIR="+dir, "GRADPHOTO_HTTP_ADDR="+addr)
	env = append(env, extra...)
	seed := exec.Command(*bin, "--config", cfgFile, "seed-demo")
	seed.Env = env
	if out, err := seed.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("seed-demo: %v\n%s", err, out)
	}
	cmd := exec.Command(*bin, "--config", cfgFile, "serve")
	cmd.Env = env
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{url: "http://" + addr, cmd: cmd, env: env}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if r, err := http.Get(s.url + "/healthz"); err == nil {
			r.Body.Close()
			return s, nil
		}
	}
	s.stop()
	return nil, errors.New("the server did not answer /healthz within 30 s")
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// rss reads the server's resident set (VmRSS) and its peak (VmHWM) in bytes.
func (s *server) rss() (cur, peak int64) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			cur = kb << 10
		case "VmHWM:":
			peak = kb << 10
		}
	}
	return cur, peak
}

var client = &http.Client{Timeout: 60 * time.Second}

type answer struct {
	status int
	code   string
	took   time.Duration
	body   map[string]any
}

func (s *server) call(method, path, token, ctype string, body []byte) answer {
	req, _ := http.NewRequest(method, s.url+path, bytes.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	t0 := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return answer{status: 0, code: "transport: " + err.Error(), took: time.Since(t0)}
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	a := answer{status: res.StatusCode, took: time.Since(t0)}
	_ = json.Unmarshal(raw, &a.body)
	if e, ok := a.body["error"].(map[string]any); ok {
		a.code, _ = e["code"].(string)
	}
	return a
}

func (s *server) json(method, path, token string, v any) answer {
	b, _ := json.Marshal(v)
	return s.call(method, path, token, "application/json", b)
}

func (s *server) upload(path, token, field, name string, data []byte) answer {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile(field, name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	return s.call("POST", path, token, mw.FormDataContentType(), buf.Bytes())
}

// demo roster students of upc-east (seed.go): 学号, name, phone, level.
func demoStudent(i int) map[string]string {
	given := []string{"陈", "刘", "杨", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"}
	level, no := "本科", fmt.Sprintf("20190101%02d", i+10)
	if i%4 == 3 {
		level, no = "专科", fmt.Sprintf("20200200%02d", i+10)
	}
	return map[string]string{"school_id": "upc-east", "level": level, "name": given[i] + "同学", "student_no": no,
		"phone": fmt.Sprintf("139000000%02d", i+10)}
}

type student struct{ token, id string }

func (s *server) newStudent(i int) (student, error) {
	r := s.json("POST", "/api/v1/auth/wechat-login", "", map[string]string{"code": fmt.Sprintf("dev-load-%d", i)})
	tok, _ := r.body["token"].(string)
	if tok == "" {
		return student{}, fmt.Errorf("login: %d %s", r.status, r.code)
	}
	r = s.json("POST", "/api/v1/collections", tok, demoStudent(i))
	c, _ := r.body["collection"].(map[string]any)
	id, _ := c["id"].(string)
	if id == "" {
		return student{}, fmt.Errorf("verify: %d %s", r.status, r.code)
	}
	if r := s.call("POST", "/api/v1/collections/"+id+"/confirm", tok, "", nil); r.status != 200 {
		return student{}, fmt.Errorf("confirm: %d %s", r.status, r.code)
	}
	return student{tok, id}, nil
}

// screenshot is a phone screenshot (1080×2340 PNG) with a 采集码 QR.
func screenshot(payload string) ([]byte, error) {
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	shot := image.NewRGBA(image.Rect(0, 0, 1080, 2340))
	draw.Draw(shot, shot.Bounds(), &image.Uniform{color.RGBA{242, 242, 247, 255}}, image.Point{}, draw.Src)
	draw.Draw(shot, image.Rect(240, 700, 840, 1300), q.Image(600), image.Point{}, draw.Src)
	var buf bytes.Buffer
	err = png.Encode(&buf, shot)
	return buf.Bytes(), err
}

// latencies collects request times per kind.
type latencies struct {
	mu    sync.Mutex
	by    map[string][]time.Duration
	codes map[string]map[string]int
}

func newLatencies() *latencies {
	return &latencies{by: map[string][]time.Duration{}, codes: map[string]map[string]int{}}
}

func (l *latencies) add(kind string, a answer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.by[kind] = append(l.by[kind], a.took)
	if l.codes[kind] == nil {
		l.codes[kind] = map[string]int{}
	}
	key := strconv.Itoa(a.status)
	if a.code != "" {
		key += " " + a.code
	}
	l.codes[kind][key]++
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func (l *latencies) print(title string) {
	fmt.Printf("\n%s\n| request | count | p50 | p99 | answers |\n| --- | ---: | ---: | ---: | --- |\n", title)
	kinds := make([]string, 0, len(l.by))
	for k := range l.by {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		ds := l.by[k]
		var codes []string
		for c, n := range l.codes[k] {
			codes = append(codes, fmt.Sprintf("%s ×%d", c, n))
		}
		sort.Strings(codes)
		fmt.Printf("| %s | %d | %v | %v | %s |\n", k, len(ds), pct(ds, .5).Round(time.Millisecond), pct(ds, .99).Round(time.Millisecond), strings.Join(codes, ", "))
	}
}

// traffic runs the students' mixed requests until stop: read the collection, upload
// the 采集码 screenshot, upload the photo.
func (s *server) traffic(sts []student, shots [][]byte, photo []byte, lat *latencies, stop <-chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	for i, st := range sts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				switch n % 3 {
				case 0:
					lat.add("GET collection", s.call("GET", "/api/v1/collections/"+st.id, st.token, "", nil))
				case 1:
					lat.add("POST capture-code (screenshot)", s.upload("/api/v1/collections/"+st.id+"/capture-code", st.token, "image", "code.png", shots[i]))
				case 2:
					lat.add("POST photo (demo photo)", s.upload("/api/v1/collections/"+st.id+"/photo", st.token, "photo", "photo.jpg", photo))
				}
			}
		}()
	}
	return &wg
}

func memoryPhase() error {
	fmt.Println("## Load: mixed student traffic, then beside decode bombs")
	fmt.Print("generating the bombs… ")
	type bombFile struct {
		name, path, field string
		data              []byte
	}
	var bs []bombFile
	mk := func(name, path, field string, gen func() ([]byte, error)) error {
		b, err := gen()
		if err != nil {
			return err
		}
		bs = append(bs, bombFile{name, path, field, b})
		return nil
	}
	if err := errors.Join(
		mk("progressive JPEG 5400×7200 colour → photo", "/photo", "photo", func() ([]byte, error) { return bomb.ProgressiveJPEG(5400, 7200, 3, "") }),
		mk("progressive JPEG 7000×7000 colour QR → 采集码", "/capture-code", "image", func() ([]byte, error) {
			return bomb.ProgressiveJPEG(7000, 7000, 3, "LOADTEST-BOMB-PAYLOAD-0123456789")
		}),
		mk("16-bit PNG 7000×7000 → 采集码", "/capture-code", "image", func() ([]byte, error) { return bomb.PNG16(7000, 7000) }),
		mk("progressive JPEG 5400×7200 grey → photo", "/photo", "photo", func() ([]byte, error) { return bomb.ProgressiveJPEG(5400, 7200, 1, "") }),
		mk("progressive JPEG 7000×7000 grey QR → 采集码", "/capture-code", "image", func() ([]byte, error) {
			return bomb.ProgressiveJPEG(7000, 7000, 1, "LOADTEST-BOMB-PAYLOAD-9876543210")
		}),
	); err != nil {
		return err
	}
	for _, b := range bs {
		fmt.Printf("%s %d KB; ", b.name, len(b.data)>>10)
	}
	fmt.Println()

	s, err := start()
	if err != nil {
		return err
	}
	defer s.stop()
	_, idle := s.rss()
	res, err := client.Get(s.url + "/sandbox/demo/photo.jpg")
	if err != nil {
		return err
	}
	photoBytes, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var sts []student
	var shots [][]byte
	for i := 0; i < *students; i++ {
		st, err := s.newStudent(i)
		if err != nil {
			return fmt.Errorf("student %d: %w", i, err)
		}
		shot, err := screenshot(fmt.Sprintf("LOADTEST-CODE-%02d-abcdefghijklmnop", i))
		if err != nil {
			return err
		}
		sts, shots = append(sts, st), append(shots, shot)
	}
	// The bombs' own student (an upload needs a collection at code_ok).
	bomber, err := s.newStudent(15)
	if err != nil {
		return err
	}
	shot, _ := screenshot("LOADTEST-CODE-BOMBER-abcdefghijklmnop")
	if r := s.upload("/api/v1/collections/"+bomber.id+"/capture-code", bomber.token, "image", "code.png", shot); r.status != 200 {
		return fmt.Errorf("bomber's code: %d %s", r.status, r.code)
	}

	alone := newLatencies()
	stop := make(chan struct{})
	wg := s.traffic(sts, shots, photoBytes, alone, stop)
	time.Sleep(*phase)
	close(stop)
	wg.Wait()
	_, peakAlone := s.rss()
	alone.print(fmt.Sprintf("%d students, %v, alone (RSS idle %d MB, peak %d MB)", *students, *phase, idle>>20, peakAlone>>20))

	beside := newLatencies()
	bombLat := newLatencies()
	var sampled atomic.Int64
	stop = make(chan struct{})
	go func() { // RSS every 50 ms, besides VmHWM
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				if cur, _ := s.rss(); cur > sampled.Load() {
					sampled.Store(cur)
				}
			}
		}
	}()
	wg = s.traffic(sts, shots, photoBytes, beside, stop)
	var bwg sync.WaitGroup
	for i := 0; i < *bombs; i++ {
		bwg.Add(1)
		go func() {
			defer bwg.Done()
			for n := i; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				b := bs[n%len(bs)]
				bombLat.add(b.name, s.upload("/api/v1/collections/"+bomber.id+b.path, bomber.token, b.field, "bomb", b.data))
			}
		}()
	}
	time.Sleep(*phase)
	close(stop)
	wg.Wait()
	bwg.Wait()
	_, peak := s.rss()
	beside.print(fmt.Sprintf("%d students beside %d concurrent bomb uploaders, %v", *students, *bombs, *phase))
	bombLat.print("the bombs")
	fmt.Printf("\npeak RSS of the server: %d MB (VmHWM; sampled VmRSS max %d MB; idle %d MB)\n", peak>>20, sampled.Load()>>20, idle>>20)
	return nil
}

// databasePhase runs the server on a fresh MariaDB database through a fault proxy.
func databasePhase(base string) error {
	fmt.Println("\n## Faults: the database stalls, then goes down (through an in-process TCP proxy)")
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		return err
	}
	admin := cfg.Clone()
	admin.DBName = ""
	conn, err := sql.Open("mysql", admin.FormatDSN())
	if err != nil {
		return err
	}
	defer conn.Close()
	name := fmt.Sprintf("gpload_%d", time.Now().UnixNano()%1e9)
	if _, err := conn.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		return err
	}
	defer conn.Exec("DROP DATABASE IF EXISTS " + name)
	proxy, err := faultproxy.Start(cfg.Addr)
	if err != nil {
		return err
	}
	defer proxy.Close()
	cfg.DBName, cfg.Addr = name, proxy.Addr()
	s, err := start("GRADPHOTO_DB_DRIVER=mysql", "GRADPHOTO_DB_DSN="+cfg.FormatDSN())
	if err != nil {
		return err
	}
	defer s.stop()
	st, err := s.newStudent(0)
	if err != nil {
		return err
	}
	fmt.Println("\n| fault | first 503, student API | first 503, /readyz | slowest answer while faulty | back to 200 after the fault ends |\n| --- | ---: | ---: | ---: | ---: |")
	for _, f := range []struct {
		name  string
		apply func()
	}{{"stalled (bytes held)", proxy.Stall}, {"down (connections refused)", proxy.Down}} {
		var (
			mu                   sync.Mutex
			apiFirst, readyFirst time.Duration
			slowest              time.Duration
			healedAt             time.Time
			apiBack, readyBack   time.Duration
			stopPolling          = make(chan struct{})
			pollers              sync.WaitGroup
			faultAt              = time.Now()
			stillFaulty          atomic.Bool
		)
		stillFaulty.Store(true)
		poll := func(path, token string, first, back *time.Duration) {
			defer pollers.Done()
			for {
				select {
				case <-stopPolling:
					return
				default:
				}
				sent := time.Now()
				a := s.call("GET", path, token, "", nil)
				mu.Lock()
				if stillFaulty.Load() {
					if a.took > slowest {
						slowest = a.took
					}
					if a.status == 503 && *first == 0 {
						*first = time.Since(faultAt)
					}
				} else if a.status == 200 && *back == 0 && sent.After(healedAt) {
					*back = time.Since(healedAt)
				}
				mu.Unlock()
				time.Sleep(100 * time.Millisecond)
			}
		}
		f.apply()
		faultAt = time.Now()
		pollers.Add(2)
		go poll("/api/v1/collections/"+st.id, st.token, &apiFirst, &apiBack)
		go poll("/readyz", "", &readyFirst, &readyBack)
		time.Sleep(*stallFor)
		mu.Lock()
		stillFaulty.Store(false)
		healedAt = time.Now()
		mu.Unlock()
		proxy.Heal()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			mu.Lock()
			done := apiBack != 0 && readyBack != 0
			mu.Unlock()
			if done {
				break
			}
		}
		close(stopPolling)
		pollers.Wait()
		fmt.Printf("| %s | %v | %v | %v | API %v, /readyz %v |\n", f.name, apiFirst.Round(time.Millisecond), readyFirst.Round(time.Millisecond),
			slowest.Round(time.Millisecond), apiBack.Round(time.Millisecond), readyBack.Round(time.Millisecond))
	}
	fmt.Println("\n(first 503: from the fault's start, polling every 100 ms; a request already waiting when the fault began answers at the request deadline, http.request_timeout = 10 s)")
	return nil
}
