package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"

	"github.com/gradphoto/gradphoto/internal/app"
	"github.com/gradphoto/gradphoto/internal/config"
)

func init() {
	register(command{name: "serve", summary: "run the HTTP server and background workers (migrates first)", run: runServe})
	register(command{name: "migrate", summary: "apply the sql/ migrations to the configured database", run: runMigrate})
	register(command{name: "seed-demo", summary: "load the demo schools, roster and staff accounts (dev only; idempotent)", run: runSeedDemo})
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// setup loads the config and builds the app; failures are printed and give exit 1.
func setup(ctx context.Context, env *cliEnv) (*app.App, int) {
	cfg, err := config.Load(env.configPath)
	if err != nil {
		fmt.Fprintln(env.stderr, err)
		return nil, 1
	}
	a, err := app.New(ctx, cfg, newLogger(cfg, env.stderr))
	if err != nil {
		fmt.Fprintln(env.stderr, "gradphoto:", err)
		return nil, 1
	}
	return a, 0
}

func runMigrate(ctx context.Context, env *cliEnv, args []string) int {
	a, code := setup(ctx, env)
	if a == nil {
		return code
	}
	defer a.Close()
	if err := a.Migrate(ctx); err != nil {
		fmt.Fprintln(env.stderr, "gradphoto migrate:", err)
		return 1
	}
	fmt.Fprintln(env.stdout, "schema up to date")
	return 0
}

func runSeedDemo(ctx context.Context, env *cliEnv, args []string) int {
	a, code := setup(ctx, env)
	if a == nil {
		return code
	}
	defer a.Close()
	if err := a.Migrate(ctx); err != nil {
		fmt.Fprintln(env.stderr, "gradphoto seed-demo:", err)
		return 1
	}
	if err := a.SeedDemo(ctx); err != nil {
		fmt.Fprintln(env.stderr, "gradphoto seed-demo:", err)
		return 1
	}
	fmt.Fprintln(env.stdout, "demo data loaded: schools upc-east, upc-beijing; staff admin, school_admin, school_admin_bj, reviewer, reviewer2, support (password "+app.DemoStaffPassword+")")
	return 0
}

func runServe(ctx context.Context, env *cliEnv, args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	walkthrough := fs.Bool("walkthrough", false, "print the curl walk-through of the student journey at start")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	a, code := setup(ctx, env)
	if a == nil {
		return code
	}
	defer a.Close()
	if err := a.Migrate(ctx); err != nil {
		fmt.Fprintln(env.stderr, "gradphoto serve:", err)
		return 1
	}
	if mb := a.Config.Memory.LimitMB; mb > 0 {
		// A soft limit: the GC works harder near it instead of letting garbage from
		// image decodes push the process past what the container allows.
		debug.SetMemoryLimit(int64(mb) << 20)
	}
	ln, err := net.Listen("tcp", a.Config.HTTP.Addr)
	if err != nil {
		fmt.Fprintln(env.stderr, "gradphoto serve:", err)
		return 1
	}
	if *walkthrough {
		st, err := a.NewDemoStudent(ctx)
		if err != nil {
			fmt.Fprintln(env.stderr, "gradphoto serve --walkthrough:", err)
			return 1
		}
		printWalkthrough(env.stdout, a.Config, st)
	}
	a.Log.InfoContext(ctx, "serving", "addr", ln.Addr().String(), "wechat_mode", a.Config.WeChat.Mode, "db", a.Config.DB.Driver)
	if err := a.Serve(ctx, ln); err != nil {
		fmt.Fprintln(env.stderr, "gradphoto serve:", err)
		return 1
	}
	return 0
}

func printWalkthrough(w io.Writer, cfg *config.Config, st *app.DemoStudent) {
	base := strings.TrimRight(cfg.HTTP.PublicURL, "/")
	fmt.Fprintf(w, `
gradphoto is running at %[1]s (WeChat sandbox mode, database %[2]s)

  staff console: %[1]s/console/   (reviewer / school_admin / support / admin, password %[3]s)
  health: %[1]s/healthz   sandbox (offline WeChat): %[1]s/sandbox/

The student journey with curl (copy and paste in another terminal; needs curl and jq).
This run made a fresh roster student, %[5]s (学号 %[6]s), and a WeChat user nobody
used before: the steps act only on that student's collection, however often you run them.

  B=%[1]s
  # 1. log in (the sandbox's wx.login hands out single-use codes) and find the school
  CODE=$(curl -s -X POST $B/sandbox/wx/login -d '{"name":"%[4]s"}' | jq -r .code)
  TOKEN=$(curl -s -X POST $B/api/v1/auth/wechat-login -d "{\"code\":\"$CODE\"}" | jq -r .token)
  AUTH="Authorization: Bearer $TOKEN"
  curl -s "$B/api/v1/schools?q=石大" | jq '.schools[0]'
  # 2. verify the student against the roster, confirm
  CID=$(curl -s -X POST $B/api/v1/collections -H "$AUTH" \
    -d '{"school_id":"upc-east","level":"%[8]s","name":"%[5]s","student_no":"%[6]s","phone":"%[7]s"}' | jq -r .collection.id)
  curl -s -X POST $B/api/v1/collections/$CID/confirm -H "$AUTH" | jq .collection.status
  # 3. upload a 采集码 screenshot and a photo (demo files from the sandbox)
  curl -s -o code.png $B/sandbox/demo/capture-code.png && curl -s -o photo.jpg $B/sandbox/demo/photo.jpg
  curl -s -X POST $B/api/v1/collections/$CID/capture-code -H "$AUTH" -F image=@code.png | jq .collection.capture_code
  curl -s -X POST $B/api/v1/collections/$CID/photo -H "$AUTH" -F photo=@photo.jpg | jq -c '.collection.status, {failed: [.checks[] | select(.passed | not) | .id]}'
  # 4. the student taps 允许 for the review-result messages (one message per acceptance)
  TMPL=$(curl -s $B/api/v1/info | jq -c .subscribe_template_ids)
  curl -s -X POST $B/sandbox/wx/subscribe -d "{\"openid\":\"sandbox-%[4]s\",\"tmplIds\":$TMPL}"; echo
  curl -s -X POST $B/api/v1/collections/$CID/subscribe -H "$AUTH" -d "{\"accepted\":$TMPL}" | jq -c .collection.subscribed
  # 5. pay: the order, then the sandbox pays it and sends WeChat Pay's signed notification
  OTN=$(curl -s -X POST $B/api/v1/collections/$CID/order -H "$AUTH" | jq -r .order.out_trade_no)
  curl -s -X POST $B/sandbox/pay/transactions/$OTN/succeed; echo; sleep 1
  curl -s $B/api/v1/collections/$CID -H "$AUTH" | jq '.collection.status, .collection.order'
  # 6. a reviewer approves (or use the console) — only if the queue hands them this
  #    student's photo; another student's is put back untouched
  STAFF=$(curl -s -X POST $B/admin/api/v1/login -H 'Content-Type: application/json' -d '{"username":"reviewer","password":"%[3]s"}' | jq -r .token)
  CLAIM=$(curl -s -X POST $B/admin/api/v1/reviews/claim -H "Authorization: Bearer $STAFF"); RID=$(echo "$CLAIM" | jq -r .review.id)
  if [ "$(echo "$CLAIM" | jq -r .review.collection.id)" = "$CID" ]; then
    curl -s -X POST $B/admin/api/v1/reviews/$RID/decision -H "Authorization: Bearer $STAFF" -d '{"decision":"approve"}' | jq .
  else
    echo "the queue's first photo is another student's (older ones wait): not acting on it — approve %[5]s in the console"
    [ "$RID" != null ] && curl -s -X POST $B/admin/api/v1/reviews/$RID/release -H "Authorization: Bearer $STAFF" >/dev/null
  fi
  # 7. the student gets the SMS (to this run's number only), the WeChat message, the photo
  sleep 3; curl -s "$B/sandbox/sms?phone=%[7]s" | jq '.messages[0].text'
  curl -s $B/sandbox/subscribe/messages | jq -c '[.messages[] | select(.touser == "sandbox-%[4]s")][-1] | {title, page, data}'
  curl -s -o approved.jpg $B/api/v1/collections/$CID/photo -H "$AUTH" && file approved.jpg

`, base, cfg.DB.Driver, app.DemoStaffPassword, st.WeChatName, st.Name, st.StudentNo, st.Phone, st.Level)
}
