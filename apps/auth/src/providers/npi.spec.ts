import { isValidNpi } from './npi.js';

describe('isValidNpi', () => {
  it.each(['1234567893', '1245319599', '1003000126', '1497758544'])('accepts the valid NPI %s', (npi) => {
    expect(isValidNpi(npi)).toBe(true);
  });

  it.each([
    ['a wrong check digit', '1234567890'],
    ['another wrong check digit', '1245319598'],
    ['nine digits', '123456789'],
    ['eleven digits', '12345678931'],
    ['letters', '12345678a3'],
    ['spaces', ' 1234567893'],
    ['nothing', ''],
  ])('refuses %s', (_why, npi) => {
    expect(isValidNpi(npi)).toBe(false);
  });

  it('depends on the 80840 prefix: a plain Luhn number without it is refused', () => {
    // 1234567897 passes a plain Luhn check over ten digits but not the prefixed one.
    expect(isValidNpi('1234567897')).toBe(false);
  });
});
