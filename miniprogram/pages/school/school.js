// 学校搜索: searches as the student types, debounced so that typing a name sends one
// request, and drops answers to queries that are no longer the latest.
const { pageURL } = require('../../utils/flow');

Component({
  data: {
    q: '',
    lastQuery: '',
    schools: [],
    searching: false,
    searched: false,
  },

  lifetimes: {
    detached() {
      clearTimeout(this.timer);
    },
  },

  methods: {
    onLoad() {
      this.seq = 0;
    },

    onInput(e) {
      const q = (e.detail.value || '').trim();
      this.setData({ q: e.detail.value });
      clearTimeout(this.timer);
      if (!q) {
        this.seq = (this.seq || 0) + 1;
        this.setData({ schools: [], searched: false, searching: false });
        return;
      }
      this.timer = setTimeout(() => this.search(q), getApp().config.searchDebounceMs);
    },

    async search(q) {
      const seq = (this.seq = (this.seq || 0) + 1);
      this.setData({ searching: true });
      try {
        const schools = await getApp().api.searchSchools(q);
        if (seq !== this.seq) return;
        this.setData({ schools, searching: false, searched: true, lastQuery: q });
      } catch (err) {
        if (seq === this.seq) this.setData({ searching: false });
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
