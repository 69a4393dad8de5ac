const fs = require('fs');
const { render, OUT } = require('../scripts/gen-contract');
const { PATHS, contractPaths, buildPath } = require('../utils/api');

describe('contract/api-paths.json', () => {
  test('is up to date with the client path table (run `npm run contract` if not)', () => {
    expect(fs.readFileSync(OUT, 'utf8')).toBe(render());
  });

  test('lists every table entry as "METHOD /path" with :id placeholders', () => {
    const lines = contractPaths();
    expect(lines).toHaveLength(new Set(Object.values(PATHS).map((p) => `${p.method} ${p.path}`)).size);
    expect(lines).toContain('POST /api/v1/collections/:id/photo');
    lines.forEach((l) => expect(l).toMatch(/^(GET|POST|PUT|PATCH|DELETE) \/api\/v1\/[a-z0-9/:_-]+$/));
  });
});

describe('buildPath', () => {
  test.each([
    ['getCollection', { id: 'c_1' }, '/api/v1/collections/c_1'],
    ['uploadPhoto', { id: 'c 1/x' }, '/api/v1/collections/c%201%2Fx/photo'],
    ['info', {}, '/api/v1/info'],
  ])('%s %j → %s', (key, params, want) => {
    expect(buildPath(key, params)).toBe(want);
  });

  test('refuses a missing placeholder and an unknown key', () => {
    expect(() => buildPath('getCollection', {})).toThrow(/:id/);
    expect(() => buildPath('nope')).toThrow(/unknown/);
  });
});
