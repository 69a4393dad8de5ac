// The fake server's answers are checked against docs/openapi.yaml (helpers/contract.js):
// this proves the check catches what it is there for.
const { checkAnswer } = require('./helpers/contract');

const school = { id: 's', name: '学校', province: '山东', levels: ['本科'], aliases: [], price_fen: 2000 };

describe('docs/openapi.yaml check of the fake server', () => {
  test('a real answer passes, extra fields included', () => {
    expect(checkAnswer({ method: 'GET', path: '/api/v1/schools', status: 200, body: { schools: [Object.assign({ extra: 1 }, school)] } })).toEqual([]);
  });

  test.each([
    ['a number sent as a string', { method: 'GET', path: '/api/v1/schools', status: 200, body: { schools: [Object.assign({}, school, { price_fen: '20.00' })] } }],
    ['a required field missing', { method: 'GET', path: '/api/v1/schools', status: 200, body: { schools: [{ id: 's' }] } }],
    ['an error code the route never answers', { method: 'GET', path: '/api/v1/collections/c_1', status: 404, body: { error: { code: 'not_found', message: 'x', details: {} } } }],
    ['a status the route never answers', { method: 'POST', path: '/api/v1/collections/c_1/confirm', status: 422, body: { error: { code: 'student_not_found', message: 'x', details: {} } } }],
    ['a path the API does not have', { method: 'GET', path: '/api/v1/nowhere', status: 200, body: {} }],
    ['a method the path does not have', { method: 'DELETE', path: '/api/v1/collections', status: 200, body: {} }],
  ])('%s is caught', (_, answer) => {
    expect(checkAnswer(answer).length).toBeGreaterThan(0);
  });

  test('500 internal is an answer of every route', () => {
    expect(checkAnswer({ method: 'GET', path: '/api/v1/info', status: 500, body: { error: { code: 'internal', message: '服务器繁忙，请稍后再试', details: {} } } })).toEqual([]);
  });
});
