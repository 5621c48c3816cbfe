export { type KeyPath, type ConfigProblem, ConfigFieldError, optionLine, problemLine } from './config-field-error.js';
export { closestName, didYouMean, levenshtein } from './did-you-mean.js';
export { type Check, type RangeOptions, checks, describeRange, describeValue, inRange, isConfigMapping, rule } from './field-checks.js';
export { type CheckFieldsOptions, type CheckedFields, type FieldSpec, type FieldTable, checkFields, checksOf, defaultsOf, unknownKey, withDefaults } from './field-table.js';
export { type ForeignField, type ForeignFieldRule, type ForeignFieldTable, type Neutral, foreignRefusal, neutral } from './foreign-fields.js';
