/** The data of a Secret, its base64 values decoded to UTF-8 text. */
export function decodeSecretData(secret: { data?: Record<string, string> }): Record<string, string> {
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}
