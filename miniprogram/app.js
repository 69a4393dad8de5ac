// App entry: builds the one API client that every page and component reaches
// through getApp().api (and the settings as getApp().config), so that tests can swap in a client around a fake wx.
const { createClient } = require('./utils/api');
const config = require('./utils/config');
const privacy = require('./utils/privacy');

App({
  api: createClient({ wx, config }),
  config,

  onLaunch() {
    // WeChat asks before the first personal-data API call; the privacy-consent popup answers.
    privacy.install(wx);
    // Log in early so the first page's request does not wait for wx.login; a failure
    // here is retried by the first request, which also shows the message.
    this.api.login().catch(() => {});
  },
});
