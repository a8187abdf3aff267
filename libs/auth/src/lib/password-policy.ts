export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 128;
const MIN_DISTINCT_CHARACTERS = 5;

// The passwords tried first by anyone guessing; the seed's `admin` is among them on purpose.
const COMMON_PASSWORDS = new Set([
  'admin',
  'administrator',
  'password',
  'password1',
  'password123',
  'passw0rd',
  '1234567890',
  '12345678910',
  '0123456789',
  'qwertyuiop',
  'qwerty1234',
  'iloveyou12',
  'letmein123',
  'changeme',
  'changeme123',
  'refity',
  'refityadmin',
  'registry',
  'registry123',
  'docker1234',
]);

/**
 * Why a password is too weak (empty when acceptable). Length and guessability rules in the spirit
 * of NIST SP 800-63B: no composition rules, but long enough, not common, not the username.
 */
export function passwordProblems(password: string, username?: string): string[] {
  const problems: string[] = [];
  if (password.length < MIN_PASSWORD_LENGTH) problems.push(`must be at least ${MIN_PASSWORD_LENGTH} characters long`);
  if (password.length > MAX_PASSWORD_LENGTH) problems.push(`must be at most ${MAX_PASSWORD_LENGTH} characters long`);
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) problems.push('is a commonly used password');
  if (username && username.length >= 3 && lower.includes(username.toLowerCase())) problems.push('must not contain the username');
  if (new Set(password).size < MIN_DISTINCT_CHARACTERS) problems.push(`must use at least ${MIN_DISTINCT_CHARACTERS} different characters`);
  return problems;
}
