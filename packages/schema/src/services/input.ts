import { createHash } from 'node:crypto';
import { InvalidInputError } from './errors.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normalizeEmail(email: string, field = 'email'): string {
  const value = email.trim().toLowerCase();
  if (value.length > 254 || !EMAIL.test(value)) throw new InvalidInputError(field, 'Enter a valid e-mail address.');
  return value;
}

/** A required single-line text of bounded length; control characters are refused. */
export function requireText(value: string, field: string, max = 200): string {
  const text = value.trim();
  if (!text) throw new InvalidInputError(field, `${field} is required.`);
  if (text.length > max) throw new InvalidInputError(field, `${field} is longer than ${max} characters.`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) throw new InvalidInputError(field, `${field} contains control characters.`);
  return text;
}

/**
 * The machine fingerprint as stored and as carried in the token's `fp` claim:
 * base64url(sha256(fingerprint)). The client computes the same value to check that a token is its own.
 */
export function fingerprintHash(fingerprint: string): string {
  return createHash('sha256').update(requireText(fingerprint, 'fingerprint', 512)).digest('base64url');
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
