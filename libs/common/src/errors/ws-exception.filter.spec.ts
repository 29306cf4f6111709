import { BadRequestException } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/internal';
import { WsException } from '@nestjs/websockets';
import { DomainException } from './domain.exception.js';
import { toAckError, WsContractFilter } from './ws-exception.filter.js';

function wsHost(args: unknown[]): ExecutionContextHost {
  const host = new ExecutionContextHost(args);
  host.setType('ws');
  return host;
}

describe('toAckError', () => {
  it('keeps the code, message and details of a domain exception', () => {
    expect(
      toAckError(DomainException.invalid('Request validation failed', [{ field: 'threadId', problems: ['isUuid'] }])),
    ).toEqual({
      ok: false,
      error: {
        code: 'invalid',
        message: 'Request validation failed',
        details: [{ field: 'threadId', problems: ['isUuid'] }],
      },
    });
    expect(toAckError(DomainException.unauthenticated())).toEqual({
      ok: false,
      error: { code: 'unauthenticated', message: 'Authentication required' },
    });
  });

  it('answers a guard refusal like a missing resource, and hides unexpected errors', () => {
    expect(toAckError(new WsException('Forbidden resource'))).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'Not found' },
    });
    expect(toAckError(new BadRequestException('bad')).error.code).toBe('invalid');
    const logger = { error: () => undefined };
    expect(toAckError(new Error('relation "clients" violates (name)=(Jane)'), logger as never)).toEqual({
      ok: false,
      error: { code: 'internal', message: 'Internal error' },
    });
  });
});

describe('WsContractFilter', () => {
  const filter = new WsContractFilter();

  it('answers through the acknowledgement callback when there is one', () => {
    const acks: unknown[] = [];
    const emitted: unknown[] = [];
    const socket = { emit: (...args: unknown[]) => emitted.push(args) };
    filter.catch(
      DomainException.notFound(),
      wsHost([socket, { threadId: 'x' }, (answer: unknown) => acks.push(answer), 'thread.join']),
    );
    expect(acks).toEqual([{ ok: false, error: { code: 'not_found', message: 'Not found' } }]);
    expect(emitted).toEqual([]);
  });

  it('emits an error event when the client sent no acknowledgement callback', () => {
    const emitted: unknown[] = [];
    const socket = { emit: (...args: unknown[]) => emitted.push(args) };
    filter.catch(DomainException.invalid('Request validation failed'), wsHost([socket, {}, undefined, 'thread.join']));
    expect(emitted).toEqual([['error', { code: 'invalid', message: 'Request validation failed' }]]);
  });

  it('leaves other transports alone', () => {
    const host = new ExecutionContextHost([]);
    host.setType('http');
    const error = DomainException.notFound();
    expect(() => filter.catch(error, host)).toThrow(error);
  });
});
