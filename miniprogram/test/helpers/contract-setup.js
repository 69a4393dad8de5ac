// After each test: every answer the fake server gave must be one the real API gives
// (docs/openapi.yaml); see contract.js.
const { takeViolations, warmUp } = require('./contract');

// Compiling the schemas takes a while on a busy machine: not inside a test's timers.
beforeAll(() => warmUp(), 120000);

afterEach(() => {
  const problems = takeViolations();
  if (problems.length > 0) {
    throw new Error(`the fake server answered in shapes the real API does not have (docs/openapi.yaml):\n  ${problems.join('\n  ')}`);
  }
});
