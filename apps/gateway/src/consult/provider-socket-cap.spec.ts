import { EventEmitter } from 'node:events';
import type { Socket } from 'socket.io';
import { ProviderSocketCap } from './provider-socket-cap.js';

/** What the cap reads of a server-side socket: its id, its caller, its events and its connection's. */
function fakeSocket(id: string, providerId = 'provider-a') {
  const conn = Object.assign(new EventEmitter(), { readyState: 'open' });
  return Object.assign(new EventEmitter(), { id, data: { auth: { providerId } }, conn }) as unknown as Socket & {
    conn: EventEmitter & { readyState: string };
  };
}

function admit(cap: ProviderSocketCap, socket: Socket): { code?: string } | undefined {
  let refusal: { code?: string } | undefined;
  cap.middleware(socket, (error) => (refusal = error?.data));
  return refusal;
}

describe('ProviderSocketCap', () => {
  it('admits up to the limit per provider, refuses the next with rate_limited, and admits again after a disconnect', () => {
    const cap = new ProviderSocketCap(2);
    const [first, second, third] = ['1', '2', '3'].map((id) => fakeSocket(id));
    expect(admit(cap, first)).toBeUndefined();
    expect(admit(cap, second)).toBeUndefined();
    expect(admit(cap, third)).toEqual({ code: 'rate_limited', message: expect.any(String), details: { limit: 2 } });
    expect(admit(cap, fakeSocket('4', 'provider-b'))).toBeUndefined();
    first.emit('disconnect');
    first.conn.emit('close'); // the same socket going away twice gives back one slot
    expect(cap.openFor('provider-a')).toBe(1);
    expect(admit(cap, third)).toBeUndefined();
    expect(cap.openFor('provider-a')).toBe(2);
  });

  it('gives the slot back when the connection closes before the socket ever connected', () => {
    const cap = new ProviderSocketCap(1);
    const abandoned = fakeSocket('1');
    expect(admit(cap, abandoned)).toBeUndefined();
    abandoned.conn.emit('close');
    expect(cap.openFor('provider-a')).toBe(0);
    const gone = fakeSocket('2');
    gone.conn.readyState = 'closed';
    expect(admit(cap, gone)).toBeUndefined();
    expect(cap.openFor('provider-a')).toBe(0);
  });

  it('counts a recovered socket once, whether or not it ran the handshake, and its predecessor cannot free its slot', () => {
    const cap = new ProviderSocketCap(2);
    const before = fakeSocket('kept-id');
    expect(admit(cap, before)).toBeUndefined();
    // Recovered: a new socket object with the same id, connected without the middleware, then held.
    const recovered = fakeSocket('kept-id');
    expect(cap.hold(recovered, true)).toBe(true);
    expect(cap.hold(recovered, true)).toBe(true);
    expect(admit(cap, recovered)).toBeUndefined();
    expect(cap.openFor('provider-a')).toBe(1);
    before.emit('disconnect');
    before.conn.emit('close');
    expect(cap.openFor('provider-a')).toBe(1);
    // An open socket counts even past the limit; the handshake of another is refused then.
    expect(admit(cap, fakeSocket('2'))).toBeUndefined();
    expect(cap.hold(fakeSocket('3'), true)).toBe(true);
    expect(cap.openFor('provider-a')).toBe(3);
    expect(admit(cap, fakeSocket('4'))).toMatchObject({ code: 'rate_limited' });
    recovered.emit('disconnect');
    expect(cap.openFor('provider-a')).toBe(2);
  });
});
