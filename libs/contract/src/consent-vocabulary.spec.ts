import { REDISCLOSURE_NOTICE, withRedisclosureNotice } from './consent-vocabulary.js';

describe('withRedisclosureNotice', () => {
  it('adds the 42 CFR 2.32 notice to a substance-use disclosure and to nothing else', () => {
    expect(withRedisclosureNotice({ id: 'm1' }, 'substance_use')).toEqual({
      id: 'm1',
      redisclosureNotice: REDISCLOSURE_NOTICE,
    });
    expect(withRedisclosureNotice({ id: 'm1' }, 'medications')).toEqual({ id: 'm1' });
    expect(REDISCLOSURE_NOTICE).toMatch(/42 CFR part 2 prohibits unauthorized use or disclosure/);
  });
});
