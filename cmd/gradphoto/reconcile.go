package main

import (
	"context"
	"fmt"
)

func init() {
	register(command{name: "reconcile", summary: "query open orders and pending refunds at WeChat Pay once and settle them", run: runReconcile})
}

// runReconcile runs one reconciliation pass (serve runs it every pay.reconcile_interval);
// safe beside running servers, since orders are taken with row leases.
func runReconcile(ctx context.Context, env *cliEnv, args []string) int {
	if len(args) > 0 {
		fmt.Fprintln(env.stderr, "usage: gradphoto reconcile")
		return 2
	}
	a, code := setup(ctx, env)
	if a == nil {
		return code
	}
	defer a.Close()
	res, err := a.Payments.Reconcile(ctx)
	if err != nil {
		fmt.Fprintln(env.stderr, "gradphoto reconcile:", err)
		return 1
	}
	fmt.Fprintf(env.stdout, "checked %d: paid %d, closed %d, refunded %d, failed %d\n",
		res.Checked, res.Paid, res.Closed, res.Refunded, res.Failed)
	if res.Failed > 0 {
		return 1
	}
	return 0
}
