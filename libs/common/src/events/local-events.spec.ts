import { Logger } from '@nestjs/common';
import { LocalEvents } from './local-events.js';

describe('LocalEvents', () => {
  it('delivers each event to every listener, even after one throws, until it unsubscribes', () => {
    const events = new LocalEvents<{ type: string }>(new Logger('test'));
    const seen: string[] = [];
    events.subscribe(() => {
      throw new Error('listener bug');
    });
    const stop = events.subscribe((event) => seen.push(event.type));
    events.emit({ type: 'first' });
    stop();
    events.emit({ type: 'second' });
    expect(seen).toEqual(['first']);
  });
});
