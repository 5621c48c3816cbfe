// The part of vitest's API that TuneKit's specs use, on Node's own test runner, for the GPU bundle
// (scripts/gpu/bundle.mjs aliases `vitest` to this file): a bare CUDA machine gets the same spec
// files without vite, rollup or esbuild. `expect` is vitest's own (@vitest/expect on chai), so every
// matcher behaves as under `npm test`.
import { after, before, describe as nodeDescribe, it as nodeIt } from 'node:test';
import * as chai from 'chai';
import { ASYMMETRIC_MATCHERS_OBJECT, JestAsymmetricMatchers, JestChaiExpect, JestExtend, customMatchers, getState, setState } from '@vitest/expect';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);

type Body = () => unknown;
type ExpectFn = ((value: unknown, message?: string) => Chai.Assertion) & Record<string, unknown>;

function createExpect(): ExpectFn {
  const expect = ((value: unknown, message?: string) => {
    const { assertionCalls } = getState(expect as never);
    setState({ assertionCalls: assertionCalls + 1 }, expect as never);
    return chai.expect(value, message);
  }) as ExpectFn;
  Object.assign(expect, chai.expect);
  Object.assign(expect, (globalThis as Record<PropertyKey, unknown>)[ASYMMETRIC_MATCHERS_OBJECT]);
  expect.getState = () => getState(expect as never);
  expect.setState = (state: object) => setState(state as never, expect as never);
  setState({ assertionCalls: 0, isExpectingAssertions: false, isExpectingAssertionsError: null, expectedAssertionsNumber: null, expectedAssertionsNumberErrorGen: null, currentTestName: '' } as never, expect as never);
  expect.extend = (matchers: object) => (chai.expect as unknown as { extend: (e: unknown, m: object) => void }).extend(expect, matchers);
  expect.unreachable = (message?: string) => chai.assert.fail(`expected${message ? ` "${message}" ` : ' '}not to be reached`);
  (expect.extend as (m: object) => void)(customMatchers);
  return expect;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const expect = createExpect() as any;

const suite = (name: string, body: Body) => void nodeDescribe(name, body as () => void);
const skippedSuite = (name: string, body: Body) => void nodeDescribe.skip(name, body as () => void);
export const describe = Object.assign(suite, {
  skip: skippedSuite,
  skipIf: (condition: unknown) => (condition ? skippedSuite : suite),
});

const test = (name: string, body: Body, timeout?: number) => void nodeIt(name, { timeout: timeout ?? 600_000 }, body as () => void);
const skippedTest = (name: string, body?: Body) => void nodeIt.skip(name, body as () => void);
export const it = Object.assign(test, {
  skip: skippedTest,
  skipIf: (condition: unknown) => (condition ? skippedTest : test),
});

export const beforeAll = (body: Body) => before(body as () => void);
export const afterAll = (body: Body) => after(body as () => void);
