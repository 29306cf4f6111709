import { IsEmail, IsString, MaxLength } from 'class-validator';
import { DomainException } from '../errors/domain.exception.js';
import { createValidationPipe } from './validation.pipe.js';

class LoginBody {
  @IsEmail()
  email: string;

  @IsString()
  @MaxLength(128)
  password: string;
}

const metadata = { type: 'body' as const, metatype: LoginBody };

describe('createValidationPipe', () => {
  const pipe = createValidationPipe();

  it('passes a valid body through as an instance', async () => {
    const value = await pipe.transform({ email: 'a@b.test', password: 'long enough pass' }, metadata);
    expect(value).toBeInstanceOf(LoginBody);
  });

  it('refuses a prototype key rather than dropping it (socket payloads never met the body parser)', async () => {
    const attempt = pipe.transform(
      JSON.parse('{"email":"a@b.test","password":"long enough pass","__proto__":{"x":1}}'),
      metadata,
    );
    await expect(attempt).rejects.toMatchObject({
      code: 'invalid',
      details: [{ field: 'body.__proto__', problems: ['forbidden'] }],
    });
  });

  it('refuses a NUL character anywhere (PostgreSQL text cannot hold one) with invalid, naming the field', async () => {
    await expect(
      pipe.transform({ email: 'a@b.test', password: 'long\u0000pass word' }, metadata),
    ).rejects.toMatchObject({
      code: 'invalid',
      details: [{ field: 'password', problems: ['nulCharacter'] }],
    });
    await expect(
      pipe.transform('Okafor\u0000', { type: 'query' as const, metatype: String, data: 'query' }),
    ).rejects.toMatchObject({ code: 'invalid', details: [{ field: 'query', problems: ['nulCharacter'] }] });
  });

  it('refuses unknown fields, wrong types and oversized strings with invalid, naming fields not values', async () => {
    const attempt = pipe.transform({ email: 'a@b.test', password: 'x'.repeat(129), role: 'admin' }, metadata);
    await expect(attempt).rejects.toBeInstanceOf(DomainException);
    const error = (await attempt.catch((e: unknown) => e)) as DomainException;
    expect(error.code).toBe('invalid');
    expect(error.details).toEqual(
      expect.arrayContaining([
        { field: 'password', problems: ['maxLength'] },
        { field: 'role', problems: ['whitelistValidation'] },
      ]),
    );
    expect(JSON.stringify(error.toBody())).not.toContain('xxxx');
  });

  it('refuses a body that is not an object', async () => {
    await expect(pipe.transform('just a string', metadata)).rejects.toMatchObject({ code: 'invalid' });
  });
});
