// Lists photo check results (api.md's `check` objects) that the student must see:
// every failed error and every warning, each tagged in words, with its message only:
// the message says the defect and what to do; value, limit and detail are for staff.

/** Failed checks worth showing, errors first, in server order otherwise. */
function visibleChecks(checks) {
  const failed = (checks || []).filter((c) => c && c.passed === false);
  const rank = (c) => (c.severity === 'error' ? 0 : 1);
  return failed
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
    .map(({ c }) => ({
      id: c.id,
      kind: c.severity === 'error' ? 'error' : 'warning',
      tag: c.severity === 'error' ? '不合格' : '提醒',
      message: c.message || c.id,
    }));
}

Component({
  properties: {
    checks: { type: Array, value: [] },
    title: { type: String, value: '' },
  },

  data: { items: [] },

  observers: {
    checks(checks) {
      this.setData({ items: visibleChecks(checks) });
    },
  },

  lifetimes: {
    attached() {
      this.setData({ items: visibleChecks(this.data.checks) });
    },
  },
});

module.exports = { visibleChecks };
