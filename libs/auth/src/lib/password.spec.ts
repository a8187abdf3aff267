import { hashPassword, verifyPassword } from './password-hasher';
import { MIN_PASSWORD_LENGTH, passwordProblems } from './password-policy';

describe('password hashing', () => {
  it('stores argon2id with a fresh salt and verifies only the right password', async () => {
    const first = await hashPassword('correct horse battery');
    const second = await hashPassword('correct horse battery');
    expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(first).not.toBe(second);
    expect(await verifyPassword(first, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(first, 'correct horse batterY')).toBe(false);
    expect(await verifyPassword('not a hash', 'anything')).toBe(false);
  });
});

describe('password policy', () => {
  it('accepts a long, uncommon passphrase', () => {
    expect(passwordProblems('violet-harbour-42', 'alice')).toEqual([]);
  });

  it('explains every reason a password is refused', () => {
    expect(passwordProblems('admin', 'admin')).toEqual([
      `must be at least ${MIN_PASSWORD_LENGTH} characters long`,
      'is a commonly used password',
      'must not contain the username',
    ]);
    expect(passwordProblems('aaaaaaaaaaaa')).toEqual(['must use at least 5 different characters']);
    expect(passwordProblems('x'.repeat(60) + 'abcdefghij'.repeat(7))).toEqual(['must be at most 128 characters long']);
    expect(passwordProblems('Password123')).toEqual(['is a commonly used password']);
    expect(passwordProblems('my-alice-secret', 'Alice')).toEqual(['must not contain the username']);
  });
});
