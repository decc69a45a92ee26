/**
 * Password authentication of the localhost server: MD5 challenge-response (AuthenticationMD5Password), which
 * every client library speaks and which keeps the password itself off the socket. PGlite accepts anyone, so the
 * check is ours: one random password per serve session, shown to the user in the connection string only.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new password: 24 URL-safe characters (no escaping needed in a postgres:// URL or a shell). */
export function newServePassword(): string {
  return randomBytes(18).toString('base64url');
}

/** A fresh 4-byte salt for one connection attempt. */
export function newSalt(): Buffer {
  return randomBytes(4);
}

const md5hex = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

/** What a client sends for `password` and `user` with `salt`: "md5" + md5(md5(password + user) + salt). */
export function md5Response(password: string, user: string, salt: Buffer): string {
  return `md5${md5hex(Buffer.concat([Buffer.from(md5hex(password + user)), salt]))}`;
}

/** True when the client's answer proves it knows `password` (compared in constant time). */
export function checkMd5Response(answer: string, password: string, user: string, salt: Buffer): boolean {
  const expected = Buffer.from(md5Response(password, user, salt));
  const given = Buffer.from(answer);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
