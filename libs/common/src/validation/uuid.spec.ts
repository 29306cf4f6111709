import { isUuid } from './uuid.js';

describe('isUuid', () => {
  it('accepts a canonical UUID of any version, in either case', () => {
    expect(isUuid('0b6f1f2e-5c1d-4e8a-9f3b-2a7c9d1e4f60')).toBe(true);
    expect(isUuid('0B6F1F2E-5C1D-4E8A-9F3B-2A7C9D1E4F60')).toBe(true);
    expect(isUuid('00000000-0000-0000-0000-000000000000')).toBe(true);
  });

  it('refuses anything else, without throwing', () => {
    for (const value of [
      '',
      '0b6f1f2e5c1d4e8a9f3b2a7c9d1e4f60',
      '{0b6f1f2e-5c1d-4e8a-9f3b-2a7c9d1e4f60}',
      '0b6f1f2e-5c1d-4e8a-9f3b-2a7c9d1e4f60 ',
      '0b6f1f2e-5c1d-4e8a-9f3b-2a7c9d1e4f6g',
      "0b6f1f2e-5c1d-4e8a-9f3b-2a7c9d1e4f60' OR 1=1",
      null,
      undefined,
      42,
      ['0b6f1f2e-5c1d-4e8a-9f3b-2a7c9d1e4f60'],
    ]) {
      expect([value, isUuid(value)]).toEqual([value, false]);
    }
  });
});
