import { Observable, Subject, filter } from 'rxjs';
import type { EventOf, TrainerCommand, TrainerEvent, TrainerEventType } from './events.js';

/**
 * The trainer publishes on `events$`; callbacks subscribe. Control flows back through `commands$`
 * so a callback never reaches into the trainer.
 */
export class EventBus {
  private readonly eventsSubject = new Subject<TrainerEvent>();
  private readonly commandsSubject = new Subject<TrainerCommand>();

  readonly events$: Observable<TrainerEvent> = this.eventsSubject.asObservable();
  readonly commands$: Observable<TrainerCommand> = this.commandsSubject.asObservable();

  publish(event: TrainerEvent): void {
    this.eventsSubject.next(event);
  }

  command(command: TrainerCommand): void {
    this.commandsSubject.next(command);
  }

  /** Events of one type, typed by it. */
  on<T extends TrainerEventType>(type: T): Observable<EventOf<T>> {
    return this.events$.pipe(filter((e): e is EventOf<T> => e.type === type));
  }

  complete(): void {
    this.eventsSubject.complete();
    this.commandsSubject.complete();
  }
}
