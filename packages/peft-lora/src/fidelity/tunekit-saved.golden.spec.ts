import { GOLDEN_ADAPTERS, goldenAdapterSuite } from '../testing/golden-peft.test-support.js';

/** Adapters `tunekit train` saved, which PEFT 0.21 loaded: TuneKit must give what PEFT gave with them. */
for (const name of GOLDEN_ADAPTERS) goldenAdapterSuite('tunekit-saved', name);
