import type { RecordFormat } from './format.types.js';

/** `{"text": "..."}` (and every line of a plain text file): continued pretraining, all tokens trained. */
export const textFormat: RecordFormat = {
  name: 'text',
  signature: ['text'],
  convert(row) {
    return { kind: 'text', text: row.string('text') };
  },
};
