// Accessibility basics, read from the templates and styles: simulate does not render
// attributes of built-in components, so these are checked at the source.
const fs = require('fs');
const path = require('path');
const { ROOT } = require('./helpers/env');

function files(dir, ext) {
  return fs.readdirSync(path.join(ROOT, dir), { recursive: true })
    .filter((f) => f.endsWith(ext))
    .map((f) => path.join(dir, f));
}

const templates = [...files('pages', '.wxml'), ...files('components', '.wxml')];

function tags(source, name) {
  return source.match(new RegExp(`<${name}\\b[^>]*>`, 'g')) || [];
}

// 88rpx = 44px at the 750rpx design width.
function minHeightRpx(css, selector) {
  const block = css.match(new RegExp(`${selector.replace('.', '\\.')}\\s*\\{([^}]*)\\}`));
  const m = block && block[1].match(/min-height:\s*(\d+)rpx/);
  return m ? Number(m[1]) : 0;
}

describe('accessibility', () => {
  test('there are templates to check', () => {
    expect(templates.length).toBeGreaterThanOrEqual(12);
  });

  test.each(templates)('%s: every input, tappable image and picker button is labelled', (file) => {
    const src = fs.readFileSync(path.join(ROOT, file), 'utf8');
    const unlabelled = [
      ...tags(src, 'input'),
      ...tags(src, 'image').filter((t) => /bindtap/.test(t)),
      ...tags(src, 'button').filter((t) => /open-type|choose-media|choose-message|footer-phone/.test(t)),
    ].filter((t) => !/aria-label="[^"]+"/.test(t));
    expect(unlabelled).toEqual([]);
  });

  test('buttons and fields are at least 44px (88rpx) tall', () => {
    const app = fs.readFileSync(path.join(ROOT, 'app.wxss'), 'utf8');
    const footer = fs.readFileSync(path.join(ROOT, 'components/support-footer/support-footer.wxss'), 'utf8');
    expect(minHeightRpx(app, '.btn')).toBeGreaterThanOrEqual(88);
    expect(minHeightRpx(app, '.field-input')).toBeGreaterThanOrEqual(88);
    expect(minHeightRpx(footer, '.footer-phone')).toBeGreaterThanOrEqual(88);
  });

  test('notices say what they are in words, not only in colour', () => {
    templates.forEach((file) => {
      const src = fs.readFileSync(path.join(ROOT, file), 'utf8');
      (src.match(/<view class="notice notice-(error|warning)[^"]*"[^>]*>\s*([^<]*)/g) || []).forEach((t) => {
        const words = t.replace(/<view[^>]*>\s*/, '');
        // A notice with a nested view starts its text there; those name the problem in the message itself.
        if (words) expect(words).toMatch(/^(错误|注意|提示|审核未通过|不合格)/);
      });
    });
  });
});
