/**
 * A National Provider Identifier is ten digits whose last digit is a Luhn check digit computed
 * over the first nine prefixed with 80840 (the ISO health-industry prefix), per CMS.
 */
export function isValidNpi(value: string): boolean {
  if (!/^\d{10}$/.test(value)) return false;
  return luhnCheckDigit(`80840${value.slice(0, 9)}`) === Number(value[9]);
}

function luhnCheckDigit(payload: string): number {
  let sum = 0;
  // Walking from the right, the digit next to the check digit is doubled, then every other one.
  for (let i = payload.length - 1, double = true; i >= 0; i--, double = !double) {
    let digit = Number(payload[i]);
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}
