import { BadRequestException, ForbiddenException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { DomainException, type HasContractAnswer } from './domain.exception.js';
import { toErrorBody } from './http-exception.filter.js';

describe('toErrorBody', () => {
  it('keeps the code, message and retry hint of a domain exception', () => {
    expect(toErrorBody(DomainException.rateLimited(90))).toEqual({
      status: 429,
      body: { code: 'rate_limited', message: 'Too many requests' },
      retryAfter: 90,
    });
    expect(toErrorBody(DomainException.invalid('bad', [{ field: 'email' }]))).toEqual({
      status: 400,
      body: { code: 'invalid', message: 'bad', details: [{ field: 'email' }] },
      retryAfter: undefined,
    });
  });

  it('answers an error standing for a contract answer with it, and logs nothing', () => {
    const logged: unknown[] = [];
    const logger = { error: (...args: unknown[]) => logged.push(args) } as never;
    class Gone extends Error implements HasContractAnswer {
      contractAnswer() {
        return DomainException.notFound();
      }
    }
    expect(toErrorBody(new Gone('client 42 was shredded'), logger)).toEqual({
      status: 404,
      body: { code: 'not_found', message: 'Not found' },
      retryAfter: undefined,
    });
    // A plain object with such a method is not an error the code threw: internal, as before.
    expect(toErrorBody({ contractAnswer: () => DomainException.notFound() }, logger).status).toBe(500);
    expect(logged).toHaveLength(1);
  });

  it('maps framework errors to contract codes', () => {
    expect(toErrorBody(new BadRequestException('Unexpected token } in JSON')).body.code).toBe('invalid');
    expect(toErrorBody(new PayloadTooLargeException()).body.code).toBe('invalid');
    expect(toErrorBody(new NotFoundException('Cannot GET /api/x')).body).toEqual({
      code: 'not_found',
      message: 'Not found',
    });
  });

  it('never repeats a framework message, which can quote the request body', () => {
    const parseError = new BadRequestException(`Unexpected token 'M', "MySecretPassw0rd!" is not valid JSON`);
    expect(toErrorBody(parseError).body).toEqual({ code: 'invalid', message: 'Malformed request' });
  });

  it('answers a forbidden request exactly like a missing one', () => {
    expect(toErrorBody(new ForbiddenException('you are not on the care team'))).toEqual(
      toErrorBody(new NotFoundException('anything')),
    );
  });

  it('hides unexpected errors behind a generic 500 without their message', () => {
    const logged: unknown[] = [];
    const logger = { error: (...args: unknown[]) => logged.push(args) };
    const result = toErrorBody(new Error('duplicate key value (email)=(x@y.z)'), logger as never);
    expect(result).toEqual({ status: 500, body: { code: 'internal', message: 'Internal error' } });
    expect(JSON.stringify(logged)).not.toContain('x@y.z');
  });
});
