import { goldenArchSuite } from '../testing/golden.test-support.js';

// transformers 5 holds the head as `lm_head` in memory but saves it as `embed_out`, the name every
// GPT-NeoX checkpoint has; TuneKit keeps the checkpoint's name.
goldenArchSuite('archs_extra/gpt_neox', { gradNames: { 'embed_out.weight': 'lm_head.weight' } });
