// The review-result subscribe messages. WeChat delivers one message per 允许 the student
// taps in wx.requestSubscribeMessage, so the panel is offered before paying, after paying
// (on the review page) and on 重新上传: each result needs its own acceptance.

/**
 * Opens the panel; resolves the accepted template ids ([] when none, or when the panel
 * failed), or null when there was nothing to ask. It must be called synchronously from
 * the student's tap: WeChat opens the panel only on a user gesture.
 */
function askSubscription(tmplIds) {
  if (!tmplIds || !tmplIds.length || typeof wx.requestSubscribeMessage !== 'function') return Promise.resolve(null);
  // One call offers at most 3 templates.
  const ids = tmplIds.slice(0, 3);
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds: ids,
      success: (res) => resolve(ids.filter((t) => res[t] === 'accept')),
      fail: () => resolve([]),
    });
  });
}

/**
 * Asks (from the tap) and reports the accepted ids to the server, quietly: a lost answer
 * must not stand between the student and the next step. Resolves the updated
 * collection, or null when nothing was accepted or recorded.
 */
async function askAndRecord(api, id, tmplIds) {
  const accepted = await askSubscription(tmplIds);
  if (!accepted || !accepted.length) return null;
  return api.setSubscription(id, accepted, { quiet: true }).catch(() => null);
}

module.exports = { askSubscription, askAndRecord };
