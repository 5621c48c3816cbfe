// `@tunekit/core/testing`: helpers for specs (ours and plugin authors'), kept out of the main barrel
// so that what users call stays what users call.
export { checkOp, type OpInput, type CheckOpOptions, type CheckOpReport } from './check-op.js';
export { relativeError, reportGoldenError, rowsOf } from './golden-compare.test-support.js';
export { describeOpSuite } from './op-suite.test-support.js';
export { type Tmpfs, mountTmpfs } from './tmpfs.test-support.js';
export { FUZZ_SEED, FuzzFolder, type FuzzReport, type FuzzTarget, JSON_SYNTAX, type TextSyntax, describeFuzzReport, fuzzParser, judgeError } from './fuzz.test-support.js';
export { type DecodedEvent, readEventFile } from '../tensorboard/event-file.test-support.js';
export { EXAMPLES, type Launched, type RankResult, type RunSpec, findMpirun, launch, runRank } from '../distributed/testing/data-parallel-run.test-support.js';
export { compareRuns, readRanks } from '../distributed/testing/run-compare.test-support.js';
