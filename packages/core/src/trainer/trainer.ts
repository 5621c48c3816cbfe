// tsyringe's decorators need the Reflect polyfill loaded first, even when this file is imported directly.
import 'reflect-metadata';
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Subscription } from 'rxjs';
import { inject, injectAll, injectable } from 'tsyringe';
import { EventBus } from '../events/event-bus.js';
import type { TrainerCommand } from '../events/events.js';
import type { Executor } from '../executors/executor.interface.js';
import type { Parameter } from '../ir/parameter.js';
import type { Collectives } from '../distributed/collectives.interface.js';
import { COLLECTIVES } from '../distributed/collectives.tokens.js';
import { DataParallel, type StepStats } from '../distributed/data-parallel.js';
import { SingleProcessCollectives } from '../distributed/single-process.collectives.js';
import type { LrScheduler } from '../optim/lr-schedule.js';
import type { Optimizer } from '../optim/optimizer.interface.js';
import { EVENT_BUS } from '../events/event-bus.tokens.js';
import { EXECUTOR } from '../executors/executor.tokens.js';
import { CALLBACK, MODEL_CHECKPOINTER, TASK, TRAINING_ARGUMENTS } from './trainer.tokens.js';
import { TrainStep } from '../train/train-step.js';
import type { TrainerCallback } from './callbacks/trainer-callback.interface.js';
import type { TrainDataSource } from './data-source.interface.js';
import { evaluateTask } from './evaluation.js';
import { MetricMeans, batchValues, metricOutputs } from './metric-parts.js';
import { type StopSignal, installSignalHandlers } from './signal-handler.js';
import { type ModelCheckpointer, TrainableParametersCheckpointer } from './model-checkpointer.js';
import { NonFiniteLossError } from './non-finite-loss.error.js';
import { prepareOutputDir } from './output-dir.guard.js';
import { compareResumedArgs } from './resume-check.js';
import { TrainerRunError } from './trainer-run.errors.js';
import { ShardedDataSource } from './sharded.data-source.js';
import { restoreRngs, rngStates, seedRngs } from './rng-registry.js';
import type { Task } from './task.interface.js';
import { checkpointDir, latestCheckpoint, loadCheckpoint, rotateCheckpoints, saveCheckpoint } from './trainer-checkpoint.js';
import { OPTIMIZERS, type TrainingPlan, createScheduler, planTraining } from './trainer-setup.js';
import { type TrainerState, initialTrainerState, isImprovement } from './trainer-state.js';
import { type TrainingArguments, evalMetricKey } from './training-arguments.js';

export interface TrainOptions {
  /** Needed when `eval_strategy` is not 'no'. */
  evalData?: TrainDataSource;
  /** Overrides `args.resume_from_checkpoint` (HF's `trainer.train(resume_from_checkpoint=...)`). */
  resumeFromCheckpoint?: string | boolean | null;
}

export interface TrainResult {
  globalStep: number;
  /** Mean step loss of this call (steps done before a resume are not in it). */
  trainingLoss: number;
  metrics: Record<string, number>;
  /** Why the run ended early (early stopping, Ctrl-C, a `stop` command); absent when it ran to the end. */
  stopReason?: string;
  /** The signal (SIGINT, SIGTERM) that stopped the run after saving a checkpoint, if one did. */
  interruptedBy?: StopSignal;
  lastCheckpoint: string | null;
  bestModelCheckpoint: string | null;
  /** Optimizer state this process held at the end (moments, masters): 1/N of the whole under ZeRO over N ranks. */
  optimizerStateBytes: number;
}

/** Mutable state of one `train()` call. */
interface Run {
  plan: TrainingPlan;
  data: TrainDataSource;
  evalData?: TrainDataSource;
  params: Parameter[];
  optimizer: Optimizer;
  scheduler: LrScheduler;
  step: TrainStep;
  /** Gradient averaging, ZeRO sharding and agreement between ranks (identities in a single process). */
  parallel: DataParallel;
  lastCheckpoint: string | null;
  lastSavedStep: number;
  stopReason?: string;
  interruptedBy?: StopSignal;
  saveRequested: boolean;
  /** Lines for the user, published once the run has begun (removed litter, a resume with nothing left to do). */
  notices: string[];
  /** Tokens seen when this call started: throughput is this segment's tokens over its runtime. */
  startTokens: number;
  /** Sums since the last `log` event (HF logs the mean loss over the logging window; tokens and step time give its throughput). */
  window: LogWindow;
}

/**
 * The training loop shared by every task: micro-batches and accumulation, clipping, optimizer and
 * LR schedule, logging and evaluation, checkpoints and exact resume, early stopping and Ctrl-C
 * through commands on the event bus. Collaborators come in through DI tokens; `Trainer.create`
 * builds one without a container.
 */
@injectable()
export class Trainer {
  private state: TrainerState = initialTrainerState();
  private attached = false;

  constructor(
    @inject(TRAINING_ARGUMENTS) readonly args: TrainingArguments,
    @inject(TASK) readonly task: Task,
    @inject(EXECUTOR) private readonly executor: Executor,
    @inject(EVENT_BUS) readonly bus: EventBus,
    @inject(MODEL_CHECKPOINTER) private readonly checkpointer: ModelCheckpointer,
    @injectAll(CALLBACK, { isOptional: true }) private readonly callbacks: TrainerCallback[] = [],
    @inject(COLLECTIVES, { isOptional: true }) private readonly comm: Collectives = new SingleProcessCollectives(),
  ) {}

  /** The state as of the last step (what the next checkpoint's `trainer_state.json` will hold). */
  get trainerState(): Readonly<TrainerState> {
    return this.state;
  }

  async train(data: TrainDataSource, opts: TrainOptions = {}): Promise<TrainResult> {
    checkBatchSize(data, this.args.per_device_train_batch_size, 'per_device_train_batch_size');
    if (opts.evalData) checkBatchSize(opts.evalData, this.args.per_device_eval_batch_size, 'per_device_eval_batch_size');
    if (this.args.eval_strategy !== 'no' && !opts.evalData) throw new Error(`trainer: eval_strategy '${this.args.eval_strategy}' needs evalData`);
    const run = await this.prepare(data, opts);
    return this.withCallbacks(() => this.loop(run));
  }

  /** `eval_loss`, `eval_perplexity` (for LM tasks) and the task's metrics over `data`; publishes an `eval` event. */
  async evaluate(data: TrainDataSource, metricKeyPrefix = 'eval'): Promise<Record<string, number>> {
    checkBatchSize(data, this.args.per_device_eval_batch_size, 'per_device_eval_batch_size');
    return this.withCallbacks(async () => {
      const metrics = await evaluateTask(this.executor, this.task, data, metricKeyPrefix);
      this.bus.publish({ type: 'eval', step: this.state.global_step, metrics: { ...metrics, epoch: this.state.epoch } });
      return metrics;
    });
  }

  /** Writes the current weights (HF `save_model`): `output_dir` by default. */
  async saveModel(dir = this.args.output_dir): Promise<void> {
    await mkdir(dir, { recursive: true });
    await this.checkpointer.save(dir);
  }

  private async prepare(source: TrainDataSource, opts: TrainOptions): Promise<Run> {
    const named = [...this.task.namedParameters()].filter(([, p]) => p.requiresGrad);
    if (named.length === 0) throw new Error(`trainer: task '${this.task.name}' has no trainable parameters`);
    const parallel = new DataParallel(this.comm, named, { zeroStage: this.args.zero_stage, bucketBytes: (this.args.ddp_bucket_cap_mb ?? 25) * 2 ** 20 });
    // Each rank reads its share of every global batch.
    const data = this.comm.size === 1 ? source : new ShardedDataSource(source, this.comm.rank, this.comm.size);
    const plan = planTraining(this.args, data.numBatches(0));
    const params = named.map(([, p]) => p);
    const optimizer = OPTIMIZERS[this.args.optim](named, this.args);
    const scheduler = createScheduler(optimizer, this.args, plan);
    this.task.setGradientCheckpointing(this.args.gradient_checkpointing);
    this.state = {
      ...initialTrainerState(),
      max_steps: plan.maxSteps,
      num_train_epochs: plan.numEpochs,
      logging_steps: plan.loggingSteps,
      eval_steps: plan.evalSteps,
      save_steps: plan.saveSteps,
      train_batch_size: this.args.per_device_train_batch_size,
    };
    // One rank looks for the checkpoint, so all resume from the same one.
    const resumeDir = await parallel.fromMain(() => this.resolveResume(opts.resumeFromCheckpoint === undefined ? this.args.resume_from_checkpoint : opts.resumeFromCheckpoint));
    const notices = await parallel.fromMain(() => prepareOutputDir(this.args.output_dir, { resuming: resumeDir !== null, overwrite: this.args.overwrite_output_dir }));
    if (resumeDir) {
      // Everything is read and validated before anything is applied to the live objects.
      const snapshot = await loadCheckpoint(resumeDir);
      const differences = compareResumedArgs(snapshot.args, this.args);
      if (differences.refused.length) {
        throw new TrainerRunError(`cannot resume from ${resumeDir}: the config changes what the checkpoint's run was doing (${differences.refused.join('; ')}); set them back, or start a new run in another output_dir`);
      }
      if (differences.allowed.length) notices.push(`resuming from ${resumeDir} with changed settings: ${differences.allowed.join('; ')}`);
      const { epoch, batch } = snapshot.state.data_position;
      if (batch > data.numBatches(epoch)) {
        throw new Error(`${resumeDir}: data position (epoch ${epoch}, batch ${batch}) is past the data source's ${data.numBatches(epoch)} batches; did the data change?`);
      }
      await loadModelCheckpoint(this.checkpointer, resumeDir);
      optimizer.loadStateDict(parallel.ownShare(snapshot.optimizer));
      scheduler.loadStateDict(snapshot.scheduler);
      restoreRngs(this.task.rngs(), snapshot.rngs, join(resumeDir, 'rng_state.json'));
      const { max_steps, num_train_epochs, logging_steps, eval_steps, save_steps } = this.state;
      this.state = { ...snapshot.state, max_steps, num_train_epochs, logging_steps, eval_steps, save_steps };
      if (this.state.global_step >= plan.maxSteps) {
        notices.push(`${resumeDir} is at step ${this.state.global_step}, at or past max_steps ${plan.maxSteps}: nothing left to train; its weights are the result`);
      }
    } else {
      seedRngs(this.task.rngs(), this.args.seed);
    }
    return {
      plan,
      data,
      evalData: opts.evalData,
      params,
      optimizer,
      scheduler,
      step: new TrainStep(this.executor, params),
      parallel,
      lastCheckpoint: resumeDir,
      lastSavedStep: resumeDir ? this.state.global_step : -1,
      saveRequested: false,
      notices,
      startTokens: this.state.num_input_tokens_seen,
      window: emptyWindow(),
    };
  }

  private async resolveResume(option: string | boolean | null): Promise<string | null> {
    if (option === null || option === false) return null;
    if (typeof option === 'string') return option;
    const latest = await latestCheckpoint(this.args.output_dir);
    if (!latest) throw new Error(`resume_from_checkpoint: no checkpoint-<step> directory under ${this.args.output_dir}`);
    return latest;
  }

  private async loop(run: Run): Promise<TrainResult> {
    const commands = this.bus.commands$.subscribe((c) => onCommand(run, c));
    const uninstall = installSignalHandlers((signal) => {
      run.interruptedBy = signal;
      run.saveRequested = true;
      run.stopReason ??= `interrupted (${signal})`;
    });
    const startStep = this.state.global_step;
    const started = performance.now();
    let lossSum = 0;
    try {
      this.bus.publish({
        type: 'train_begin',
        totalSteps: run.plan.maxSteps,
        epochs: run.plan.numEpochs,
        trainableParams: run.params.reduce((n, p) => n + p.size, 0),
        startStep,
        history: this.state.log_history,
      });
      for (const message of run.notices) this.bus.publish({ type: 'notice', step: startStep, message });
      this.task.setTraining(true);
      while (this.state.global_step < run.plan.maxSteps && this.state.data_position.epoch < run.plan.numEpochs && run.stopReason === undefined) {
        lossSum += await this.optimizerStep(run);
      }
      // A save_now that came with a stop before the first step, or on a step that already saved.
      if (run.saveRequested) await this.save(run);
    } catch (err) {
      this.bus.publish({ type: 'error', step: this.state.global_step, error: err as Error });
      throw err;
    } finally {
      uninstall();
      commands.unsubscribe();
    }
    return this.finish(run, lossSum / Math.max(1, this.state.global_step - startStep), (performance.now() - started) / 1000, startStep);
  }

  /** One optimizer step over up to `gradient_accumulation_steps` micro-batches, then log/eval/save. Returns its loss. */
  private async optimizerStep(run: Run): Promise<number> {
    const { data, optimizer, scheduler, parallel } = run;
    const position = this.state.data_position;
    const n = data.numBatches(position.epoch);
    if (n < 1) throw new Error(`trainer: the data source has no batches in epoch ${position.epoch}`);
    // An epoch's last step takes the micro-batches that are left, averaged over their own count.
    const micro = Math.min(this.args.gradient_accumulation_steps, n - position.batch);
    const started = performance.now();
    const local: StepStats = { loss: 0, tokens: 0, metrics: [] };
    const first = position.batch;
    // The first micro-batch of the step, or the first whose loss was not finite: what an error names.
    let blame: { batch: number; firstRow?: string; finite: boolean } | undefined;
    for (let j = 0; j < micro; j++) {
      const batch = await data.batch(position.epoch, position.batch);
      const prepared = await this.task.prepare?.(batch, { executor: this.executor, comm: this.comm });
      const out = this.task.trace(batch);
      const metrics = metricOutputs(out.metrics);
      const result = await run.step.run(() => ({ loss: out.loss, extras: metrics.tensors }), { ...batch.tensors, ...prepared, ...out.feeds }, 1 / micro);
      if (!blame || (blame.finite && !Number.isFinite(result.loss))) blame = { batch: position.batch, firstRow: batch.firstRow, finite: Number.isFinite(result.loss) };
      local.loss += result.loss / micro;
      local.metrics.push(metrics.read(result.extras));
      local.tokens += batch.tokens;
      position.batch++;
    }
    await parallel.reduceGradients();
    const { loss, tokens, metrics } = await parallel.reduceStats(local);
    // Judged on the reduced values, so every rank stops or skips the same step.
    if (!Number.isFinite(loss)) return this.nonFinite(run, { quantity: 'loss', value: loss, ...blame!, end: first + micro });
    const norm = await parallel.clipGradNorm(this.args.max_grad_norm);
    if (!Number.isFinite(norm)) return this.nonFinite(run, { quantity: 'grad_norm', value: norm, ...blame!, end: first + micro });
    const lr = optimizer.lr;
    await parallel.step(optimizer);
    scheduler.step();
    optimizer.zeroGrad();

    const epochEnded = position.batch >= n;
    if (epochEnded) this.state.data_position = { epoch: position.epoch + 1, batch: 0 };
    const s = this.state;
    s.global_step++;
    s.num_input_tokens_seen += tokens;
    s.epoch = s.data_position.epoch + s.data_position.batch / Math.max(1, data.numBatches(s.data_position.epoch));
    const elapsedMs = performance.now() - started;
    this.bus.publish({ type: 'step', step: s.global_step, epoch: s.epoch, loss, lr, gradNorm: norm, tokens, elapsedMs });

    const w = run.window;
    w.loss += loss;
    w.steps++;
    w.tokens += tokens;
    w.ms += elapsedMs;
    // Each micro-batch's values over every rank count once, as TRL appends one value per batch.
    for (const parts of metrics) {
      const values = batchValues(parts);
      w.metrics.add({ ...values, ...this.task.batchMetrics?.(values) });
    }
    await this.maybeLogEvaluateSave(run, { lr, norm, epochEnded });
    await this.agreeOnCommands(run);
    return loss;
  }

  /** A stop or save that reached one rank (a signal, early stopping on the logging rank) binds every rank. */
  private async agreeOnCommands(run: Run): Promise<void> {
    const [stop, save] = await run.parallel.anyRank([run.stopReason !== undefined, run.saveRequested]);
    if (stop) run.stopReason ??= 'stopped by another rank';
    run.saveRequested = save;
  }

  /** HF's `_maybe_log_save_evaluate`: log, then evaluate, then save, each on its own schedule. */
  private async maybeLogEvaluateSave(run: Run, last: { lr: number; norm: number; epochEnded: boolean }): Promise<void> {
    const { global_step: step } = this.state;
    const { plan } = run;
    const a = this.args;
    if (step % plan.loggingSteps === 0) {
      const w = run.window;
      const means = w.metrics.means();
      const tokensPerSecond = w.ms > 0 ? w.tokens / (w.ms / 1000) : 0;
      this.record('log', { loss: w.loss / w.steps, grad_norm: last.norm, learning_rate: last.lr, ...means, num_input_tokens_seen: this.state.num_input_tokens_seen, tokens_per_second: tokensPerSecond });
      run.window = emptyWindow();
    }
    const due = (strategy: string, every: number) => (strategy === 'steps' && step % every === 0) || (strategy === 'epoch' && last.epochEnded);
    if (run.evalData && due(a.eval_strategy, plan.evalSteps)) {
      const metrics = await evaluateTask(this.executor, this.task, run.evalData, 'eval');
      this.task.setTraining(true);
      this.trackBest(metrics);
      this.record('eval', metrics);
    }
    // HF saves at the final step too, so a finished run can always be resumed or reloaded.
    const finalStep = step >= plan.maxSteps && a.save_strategy !== 'no';
    if (run.saveRequested || due(a.save_strategy, plan.saveSteps) || finalStep) await this.save(run);
  }

  /** Appends to the log history (with the fractional epoch, as HF) and publishes the event. */
  private record(type: 'log' | 'eval', metrics: Record<string, number>): void {
    const entry = { ...metrics, epoch: this.state.epoch, step: this.state.global_step };
    this.state.log_history.push(entry);
    this.bus.publish({ type, step: this.state.global_step, metrics: entry });
  }

  private trackBest(metrics: Record<string, number>): void {
    const name = this.args.metric_for_best_model;
    if (name === null) return;
    const key = evalMetricKey(name);
    const value = metrics[key];
    if (value === undefined) throw new Error(`metric_for_best_model '${name}': no '${key}' among the eval metrics (${Object.keys(metrics).join(', ')})`);
    if (isImprovement(value, this.state.best_metric, this.args.greater_is_better ?? false)) {
      this.state.best_metric = value;
      this.state.best_global_step = this.state.global_step;
    }
  }

  private async save(run: Run): Promise<void> {
    run.saveRequested = false;
    const s = this.state;
    if (run.lastSavedStep === s.global_step) return;
    if (s.best_global_step === s.global_step) s.best_model_checkpoint = join(this.args.output_dir, `checkpoint-${s.global_step}`);
    // Every rank takes part in gathering a sharded optimizer state; one rank writes.
    const optimizer = await run.parallel.gatherOptimizerState(run.optimizer);
    let dir = checkpointDir(this.args.output_dir, s.global_step);
    if (optimizer) {
      const snapshot = { state: structuredClone(s), optimizer, scheduler: run.scheduler.stateDict(), rngs: rngStates(this.task.rngs()) };
      dir = await saveCheckpoint(this.args.output_dir, snapshot, this.checkpointer, this.args);
      await rotateCheckpoints(this.args.output_dir, this.args.save_total_limit, s.best_model_checkpoint);
    }
    await run.parallel.barrier();
    run.lastCheckpoint = dir;
    run.lastSavedStep = s.global_step;
    this.bus.publish({ type: 'checkpoint', step: s.global_step, dir });
  }

  /**
   * A NaN/Inf loss or gradient norm: stops the run naming where, or under `skip_nonfinite_steps`
   * drops the step's gradients, moves past its micro-batches and counts it (no optimizer or
   * scheduler step, so `global_step` counts updates only). Returns the step's loss contribution (0).
   */
  private nonFinite(run: Run, at: { quantity: string; value: number; batch: number; firstRow?: string; end: number }): number {
    run.optimizer.zeroGrad();
    const s = this.state;
    const context = { quantity: at.quantity, value: at.value, step: s.global_step + 1, epoch: s.data_position.epoch, batch: at.batch, lastCheckpoint: run.lastCheckpoint };
    const error = new NonFiniteLossError(at.firstRow === undefined ? context : { ...context, firstRow: at.firstRow });
    if (!this.args.skip_nonfinite_steps) throw error;
    s.nonfinite_steps_skipped = (s.nonfinite_steps_skipped ?? 0) + 1;
    const n = run.data.numBatches(s.data_position.epoch);
    s.data_position = at.end >= n ? { epoch: s.data_position.epoch + 1, batch: 0 } : { epoch: s.data_position.epoch, batch: at.end };
    this.bus.publish({ type: 'notice', step: s.global_step, message: `skipped: ${error.message.split('; training.skip_nonfinite_steps')[0]} (${s.nonfinite_steps_skipped} skipped so far)` });
    return 0;
  }

  private async finish(run: Run, trainingLoss: number, seconds: number, startStep: number): Promise<TrainResult> {
    const s = this.state;
    if (this.args.load_best_model_at_end && s.best_model_checkpoint) await this.checkpointer.load(s.best_model_checkpoint);
    const steps = s.global_step - startStep;
    // Rates are this call's steps and tokens over this call's runtime; a call that trained no step
    // (resumed at max_steps) has no loss or rate to report.
    const metrics: Record<string, number> = { train_runtime: seconds };
    if (steps > 0) {
      metrics.train_steps_per_second = steps / seconds;
      metrics.train_tokens_per_second = (s.num_input_tokens_seen - run.startTokens) / seconds;
      metrics.train_loss = trainingLoss;
    }
    if (s.nonfinite_steps_skipped) metrics.nonfinite_steps_skipped = s.nonfinite_steps_skipped;
    this.record('log', metrics);
    this.bus.publish({ type: 'train_end', step: s.global_step, metrics, stopReason: run.stopReason });
    const result: TrainResult = {
      globalStep: s.global_step,
      trainingLoss,
      metrics,
      lastCheckpoint: run.lastCheckpoint,
      bestModelCheckpoint: s.best_model_checkpoint,
      optimizerStateBytes: DataParallel.optimizerBytes(run.optimizer),
    };
    if (run.stopReason !== undefined) result.stopReason = run.stopReason;
    if (run.interruptedBy !== undefined) result.interruptedBy = run.interruptedBy;
    return result;
  }

  /** Attaches the callbacks for the duration of `fn`, unless an outer call already did. */
  private async withCallbacks<T>(fn: () => Promise<T>): Promise<T> {
    // One rank logs: the others train silently.
    if (this.attached || this.comm.rank !== 0) return fn();
    const subscription = new Subscription();
    for (const callback of this.callbacks) subscription.add(callback.attach(this.bus, this.args));
    this.attached = true;
    try {
      return await fn();
    } finally {
      this.attached = false;
      subscription.unsubscribe();
    }
  }

  /** A trainer without a container (scripts, tests). */
  static create(options: {
    args: TrainingArguments;
    task: Task;
    executor: Executor;
    bus?: EventBus;
    /** Defaults to saving every trainable parameter. */
    checkpointer?: ModelCheckpointer;
    callbacks?: TrainerCallback[];
    /** The job's collectives when several processes train together (see `openCollectives`). */
    collectives?: Collectives;
  }): Trainer {
    const { args, task, executor } = options;
    const checkpointer = options.checkpointer ?? new TrainableParametersCheckpointer(task);
    return new Trainer(args, task, executor, options.bus ?? new EventBus(), checkpointer, options.callbacks ?? [], options.collectives ?? new SingleProcessCollectives());
  }
}

interface LogWindow {
  loss: number;
  steps: number;
  /** Each metric's mean over the window's micro-batches that have a value for it. */
  metrics: MetricMeans;
  tokens: number;
  /** Time spent in the window's optimizer steps (not in evaluation or saving): the training throughput's denominator. */
  ms: number;
}

const emptyWindow = (): LogWindow => ({ loss: 0, steps: 0, metrics: new MetricMeans(), tokens: 0, ms: 0 });

/** The model checkpointer's files are its own; one that is missing is named with the checkpoint, like the trainer's files. */
async function loadModelCheckpoint(checkpointer: ModelCheckpointer, dir: string): Promise<void> {
  try {
    await checkpointer.load(dir);
  } catch (err) {
    const { code, path } = err as NodeJS.ErrnoException;
    if (code === 'ENOENT' && path) throw new TrainerRunError(`checkpoint ${dir} is incomplete: ${relative(dir, path)} missing`, { cause: err });
    throw err;
  }
}

function onCommand(run: Run, command: TrainerCommand): void {
  if (command.type === 'stop') run.stopReason ??= command.reason;
  else run.saveRequested = true;
}

function checkBatchSize(data: TrainDataSource, expected: number, name: string): void {
  if (data.batchSize !== undefined && data.batchSize !== expected) {
    throw new Error(`trainer: the data source makes batches of ${data.batchSize}, but ${name} is ${expected}`);
  }
}
