import { goldenArchSuite } from '../testing/golden.test-support.js';

goldenArchSuite('archs_extra/olmo2');
