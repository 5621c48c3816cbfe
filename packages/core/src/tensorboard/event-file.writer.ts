import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileVersionEvent, scalarsEvent } from './event.proto.js';
import { frameRecord } from './tfrecord.js';

let filesOpened = 0;

/** `events.out.tfevents.<seconds>.<host>.<pid>.<n>`: the name TensorBoard globs for, as torch's SummaryWriter spells it. */
export const eventFileName = (seconds: number): string => `events.out.tfevents.${String(Math.floor(seconds)).padStart(10, '0')}.${hostname()}.${process.pid}.${filesOpened++}`;

/**
 * One TensorBoard event file: the file_version event first, then one event per `add`. Each event
 * is written whole with one synchronous write, so a killed run leaves every event before it readable.
 */
export class EventFileWriter {
  readonly path: string;
  private fd: number | null;

  constructor(dir: string, private readonly clock: () => number = () => Date.now() / 1000) {
    mkdirSync(dir, { recursive: true });
    const now = this.clock();
    this.path = join(dir, eventFileName(now));
    this.fd = openSync(this.path, 'wx');
    this.write(fileVersionEvent(now));
  }

  /** One event at `step` with one scalar per tag. */
  add(step: number, scalars: Readonly<Record<string, number>>): void {
    if (Object.keys(scalars).length) this.write(scalarsEvent(this.clock(), step, scalars));
  }

  close(): void {
    if (this.fd === null) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
  }

  private write(event: Uint8Array): void {
    if (this.fd === null) throw new Error(`${this.path}: event file is closed`);
    writeSync(this.fd, frameRecord(event));
  }
}
