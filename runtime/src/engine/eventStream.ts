// The run's one output channel: stamps each event, writes it to the run record before anyone else
// sees it (so a crash loses nothing already emitted), then hands it to the listeners.
import type { AetherEvent, EventInput } from '../model/events';

export type EventListener = (event: AetherEvent) => void;

export interface EventSink {
  write(event: AetherEvent): void;
  close(): void;
}

export class EventStream {
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly sinks: EventSink[] = []) {}

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  addSink(sink: EventSink): void {
    this.sinks.push(sink);
  }

  emit(input: EventInput): AetherEvent {
    const event = { ...input, time: Date.now() } as AetherEvent;
    for (const sink of this.sinks) sink.write(event);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener (the CLI printer, an editor panel) must never break the run.
      }
    }
    return event;
  }

  close(): void {
    for (const sink of this.sinks) sink.close();
  }
}
