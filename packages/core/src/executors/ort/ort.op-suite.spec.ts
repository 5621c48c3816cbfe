import { describeOpSuite } from '../../testing/op-suite.test-support.js';
import { OrtExecutor } from './ort.executor.js';

describeOpSuite('OrtExecutor', () => new OrtExecutor({ threads: 1 }));
