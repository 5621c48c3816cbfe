import { goldenArchSuite } from '../testing/golden.test-support.js';

/** Gemma, Gemma 2 and Gemma 3 against transformers' own outputs (see golden.test-support.ts). */
for (const arch of ['gemma', 'gemma2', 'gemma3_text']) goldenArchSuite(`archs_extra/${arch}`);
