// 学校搜索: searches as the student types, debounced so that typing a name sends one
// request, and drops answers to queries that are no longer the latest.
const { pageURL } = require('../../utils/flow');

/**
 * The page's own timer and request counter, kept off `data` because they never render.
 * @returns {{timer?: any, seq: number}}
 */
function own(page) {
  return /** @type {any} */ (page);
}

Component({
  data: {
    q: '',
    lastQuery: '',
    schools: [],
    searching: false,
    searched: false,
  },

  lifetimes: {
    created() {
      own(this).seq = 0;
    },
    detached() {
      clearTimeout(own(this).timer);
    },
  },

  methods: {
    onInput(e) {
      const self = own(this);
      const q = (e.detail.value || '').trim();
      this.setData({ q: e.detail.value });
      clearTimeout(self.timer);
      if (!q) {
        self.seq++;
        this.setData({ schools: [], searched: false, searching: false });
        return;
      }
      self.timer = setTimeout(() => this.search(q), getApp().config.searchDebounceMs);
    },

    async search(q) {
      const self = own(this);
      const seq = ++self.seq;
      this.setData({ searching: true });
      try {
        const schools = await getApp().api.searchSchools(q);
        // A slower answer to an older query must not overwrite the newer one.
        if (seq !== self.seq) return;
        this.setData({ schools, searching: false, searched: true, lastQuery: q });
      } catch (err) {
        if (seq === self.seq) this.setData({ searching: false });
      }
    },

    choose(e) {
      const school = this.data.schools[e.currentTarget.dataset.index];
      if (!school) return;
      wx.navigateTo({
        url: pageURL('level', { school_id: school.id, school_name: school.name, levels: (school.levels || []).join(',') }),
      });
    },
  },
});
