export { EventFileWriter, eventFileName } from './event-file.writer.js';
export { FILE_VERSION, fileVersionEvent, scalarsEvent } from './event.proto.js';
export { TfRecordError, frameRecord, maskedCrc32c, readRecords } from './tfrecord.js';
export { tensorboardScalars, tensorboardTag } from './tensorboard-tags.js';
