/**
 * Time-based one-time passwords (RFC 6238): HMAC-SHA1, 30-second steps, 6 digits — the parameters the
 * Backend API documents for imported TOTP secrets.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Decodes RFC 4648 base32 (padding and case ignored); null when it is not base32. */
export function base32Decode(input: string): Buffer | null {
  const clean = input.replace(/=+$/, '').replace(/\s/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const v = BASE32.indexOf(ch);
    if (v < 0) return null;
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The code for one 30-second step (`counter`), `digits` long. */
export function totpCode(key: Buffer, counter: number, digits = 6): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(msg).digest();
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const bin = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return bin.toString().padStart(digits, '0');
}

/** True when `code` is the TOTP of `secret` for the current step or one step either side (clock drift). */
export function verifyTotp(secretBase32: string, code: string, now: number = Date.now()): boolean {
  const key = base32Decode(secretBase32);
  if (!key || !/^\d{6}$/.test(code)) return false;
  const step = Math.floor(now / 30_000);
  let ok = false;
  for (const c of [step - 1, step, step + 1]) {
    // Compare every candidate, in constant time, so timing tells nothing about which one matched.
    if (timingSafeEqual(Buffer.from(totpCode(key, c)), Buffer.from(code))) ok = true;
  }
  return ok;
}

/** RFC 4648 base32 without padding. */
export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** A new TOTP secret: 20 random bytes (160 bits, as RFC 4226 recommends for HMAC-SHA1), base32. */
export function newTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

/**
 * The `otpauth://` URI authenticator apps read (usually from a QR code): issuer and account label,
 * the secret, and the parameters `verifyTotp` uses.
 */
export function otpauthUri(secret: string, issuer: string, account: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;
}
