#!/usr/bin/env node
// Writes contract/api-paths.json from the client's path table (utils/api.js), so the
// Go side can check that its router serves every path the mini-program calls.
// `--check` exits 1 when the committed file is out of date instead of writing it.
const fs = require('fs');
const path = require('path');
const { contractPaths } = require('../utils/api');

const OUT = path.join(__dirname, '..', 'contract', 'api-paths.json');

function render() {
  return `${JSON.stringify(contractPaths(), null, 2)}\n`;
}

function main(argv) {
  const want = render();
  if (argv.includes('--check')) {
    const have = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';
    if (have !== want) {
      process.stderr.write('contract/api-paths.json is out of date: run `npm run contract`\n');
      return 1;
    }
    return 0;
  }
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, want);
  process.stdout.write(`wrote ${path.relative(process.cwd(), OUT)} (${contractPaths().length} paths)\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

module.exports = { render, OUT };
