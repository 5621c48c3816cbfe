import { describeOpSuite } from '../../testing/op-suite.test-support.js';
import { ReferenceExecutor } from './reference.executor.js';

// The oracle runs the suite too: its values against the plain loops (the reference comparison is then trivially met).
describeOpSuite('ReferenceExecutor', () => new ReferenceExecutor());
