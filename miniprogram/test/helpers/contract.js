// The fake server answers in the real API's shapes: every answer it gives is checked
// against docs/openapi.yaml (the document the Go e2e suite checks the real server
// against), so the client is tested against shapes the server really sends.

const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;

const DOC_PATH = path.resolve(__dirname, '../../../docs/openapi.yaml');
const DOC_ID = 'gradphoto-openapi';

const doc = yaml.load(fs.readFileSync(DOC_PATH, 'utf8'));

// The whole document is registered as one schema resource, so that the operations'
// schemas and their '#/components/...' references resolve inside it. strict: false
// because the document's OpenAPI keywords (paths, info, ...) are not JSON Schema ones.
const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
addFormats(ajv);
ajv.addFormat('binary', true);
ajv.addSchema(Object.assign({}, doc, { $id: DOC_ID }));

/** Escapes a JSON pointer segment. */
function esc(s) {
  return String(s).replace(/~/g, '~0').replace(/\//g, '~1');
}

// Path templates → matchers, most literal first (so /collections/{id} does not take /collections).
const templates = Object.keys(doc.paths)
  .map((tpl) => ({
    tpl,
    re: new RegExp(`^${tpl.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    params: (tpl.match(/\{/g) || []).length,
  }))
  .sort((a, b) => a.params - b.params);

const validators = new Map();

function validatorFor(pointer) {
  if (!validators.has(pointer)) validators.set(pointer, ajv.compile({ $ref: `${DOC_ID}#${pointer}` }));
  return validators.get(pointer);
}

/** Resolves a local '$ref' of the document (responses are often references). */
function deref(node) {
  let n = node;
  let pointer = null;
  while (n && n.$ref) {
    pointer = n.$ref.slice(1);
    n = pointer.split('/').slice(1).reduce((o, k) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  return { node: n, pointer };
}

/**
 * Checks one answer of the API: the route and method exist in the document, the
 * status is one the document gives that route, and a JSON body matches its schema
 * (error codes included). Returns a list of problems (empty: the answer is real).
 * kind 'download' answers carry a file, not a body: only the status is checked.
 */
function checkAnswer({ method, path: urlPath, status, body, kind }) {
  const where = `${method} ${urlPath} → ${status}`;
  const t = templates.find((x) => x.re.test(urlPath));
  if (!t) return [`${where}: the API has no such path`];
  const op = doc.paths[t.tpl][method.toLowerCase()];
  if (!op) return [`${where}: the API has no ${method} ${t.tpl}`];
  const base = `/paths/${esc(t.tpl)}/${method.toLowerCase()}/responses/${status}`;
  // 500 internal is an answer of every route (components/responses/Internal).
  const resp = op.responses[String(status)] || (status === 500 ? { $ref: '#/components/responses/Internal' } : null);
  if (!resp) return [`${where}: ${method} ${t.tpl} never answers ${status} (docs/openapi.yaml lists ${Object.keys(op.responses).join(', ')})`];
  const { node, pointer } = deref(resp);
  const content = node.content || {};
  if (kind === 'download' && status < 300) {
    return Object.keys(content).some((ct) => !ct.startsWith('application/json')) ? [] : [`${where}: not a file answer`];
  }
  if (!content['application/json']) {
    return body === undefined || body === null || body === '' ? [] : [`${where}: the API answers no JSON body here`];
  }
  const validate = validatorFor(`${pointer || base}/content/application~1json/schema`);
  if (validate(body)) return [];
  return validate.errors.map((e) => `${where}: ${e.instancePath || '(body)'} ${e.message} ${JSON.stringify(e.params)}`);
}

/**
 * Compiles the validators of every answer of the student API up front, so that no
 * test pays for a compilation while its timers run (contract-setup.js, beforeAll).
 */
function warmUp() {
  Object.entries(doc.paths)
    .filter(([tpl]) => tpl.startsWith('/api/v1/'))
    .forEach(([tpl, item]) => {
      Object.entries(item).forEach(([method, op]) => {
        if (!op || !op.responses) return;
        Object.keys(op.responses).forEach((status) => {
          checkAnswer({ method: method.toUpperCase(), path: tpl.replace(/\{[^}]+\}/g, 'x'), status: Number(status), body: {} });
        });
      });
    });
  checkAnswer({ method: 'GET', path: '/api/v1/info', status: 500, body: {} });
}

// Problems found since the last takeViolations(), reported by contract-setup.js after each test.
let violations = [];

function record(problems) {
  violations = violations.concat(problems);
}

function takeViolations() {
  const out = violations;
  violations = [];
  return out;
}

module.exports = { doc, checkAnswer, record, takeViolations, warmUp };
