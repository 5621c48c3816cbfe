import { goldenArchSuite } from '../testing/golden.test-support.js';

goldenArchSuite('archs_extra/qwen3_moe');
