/**
 * The checksum Flyway records for a SQL migration (flyway_schema_history.checksum), computed the
 * way Flyway computes it, so that PG Tuner and Flyway agree on whether an applied file changed.
 *
 * Flyway reads the file line by line (Java's BufferedReader.readLine, which ends a line at \n, \r or
 * \r\n and drops the terminator), strips a byte order mark from the first line, and feeds each
 * line's UTF-8 bytes to one java.util.zip.CRC32 (IEEE 802.3, reflected polynomial 0xEDB88320).
 * The value is stored as a signed 32-bit integer. So the checksum is the CRC-32 of the text's
 * UTF-8 bytes with every \r and \n removed: line endings and blank lines do not change it.
 */

const TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 (IEEE) of `bytes`, as a signed 32-bit integer like Java's `(int) crc32.getValue()`. */
export function crc32(bytes: Uint8Array): number {
  let crc = -1;
  for (const byte of bytes) crc = TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return ~crc | 0;
}

export function flywayChecksum(text: string): number {
  return crc32(Buffer.from(text.replace(/^\uFEFF/, '').replace(/[\r\n]/g, ''), 'utf8'));
}
