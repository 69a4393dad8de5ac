// 确认信息: shows what the server matched; confirming moves on to the instructions.
// A roster mismatch (student_not_found) shows the school contact advice in the page;
// a roster mark of an existing 学信网 photo is warned about before anything is paid.
const { decodeQuery, pageURL, nextPageFor } = require('../../utils/flow');

Component({
  data: { id: '', collection: null, loading: true, submitting: false, notFound: '' },

  methods: {
    onLoad(options) {
      this.setData({ id: decodeQuery(options).id || '' });
      return this.load();
    },

    async load() {
      this.setData({ loading: true });
      try {
        const collection = await getApp().api.getCollection(this.data.id);
        this.setData({ collection, loading: false });
        // Already confirmed elsewhere (e.g. another device): go where the status says.
        if (collection.status !== 'unconfirmed' && collection.status !== 'confirmed') {
          wx.redirectTo({ url: nextPageFor(collection) });
        }
      } catch (err) {
        this.setData({ loading: false });
      }
    },

    async confirm() {
      if (this.data.submitting) return;
      // Confirmed before (the student came back to this page): nothing to send again.
      if (this.data.collection && this.data.collection.status === 'confirmed') {
        wx.redirectTo({ url: pageURL('instructions', { id: this.data.id }) });
        return;
      }
      this.setData({ submitting: true, notFound: '' });
      try {
        const collection = await getApp().api.confirmCollection(this.data.id, { quiet: true });
        this.setData({ submitting: false, collection });
        wx.redirectTo({ url: pageURL('instructions', { id: collection.id }) });
      } catch (err) {
        this.setData({ submitting: false });
        if (err.code === 'student_not_found') this.setData({ notFound: err.message });
        else getApp().api.showError(err);
      }
    },

    back() {
      wx.navigateBack({ delta: 1 });
    },
  },
});
