/** One server-sent event: its `id:` and its `data:` lines joined. */
export interface ServerSentEvent {
  id: string | undefined;
  data: string;
}

/**
 * Reads a `text/event-stream` body (the HTML Living Standard's format) as it arrives: lines of
 * `field: value`, an event ending at a blank line, `:` comments (heartbeats) ignored. Pushes text
 * in with `push()` and gets every event completed so far.
 */
export class SseReader {
  #buffer = '';
  #id: string | undefined = undefined;
  #data: string[] = [];

  push(text: string): ServerSentEvent[] {
    this.#buffer += text;
    const events: ServerSentEvent[] = [];
    let start = 0;
    for (;;) {
      const newline = this.#buffer.indexOf('\n', start);
      if (newline === -1) break;
      let line = this.#buffer.slice(start, newline);
      start = newline + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') {
        if (this.#data.length > 0) events.push({ id: this.#id, data: this.#data.join('\n') });
        this.#id = undefined;
        this.#data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') this.#data.push(value);
      else if (field === 'id') this.#id = value;
    }
    this.#buffer = this.#buffer.slice(start);
    return events;
  }
}
