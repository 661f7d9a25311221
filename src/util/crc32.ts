/**
 * CRC-32 (IEEE 802.3, the zlib/PNG/zip one), in plain TypeScript because the core runs in
 * browsers too and node:crypto is not there. It catches every burst of up to 32 changed
 * bits and all but one in 4 billion other damage: a guard against disks and copies, not
 * against an attacker. One table runs at about 250 MB/s here; eight (slicing-by-8)
 * measured only 1.4× faster, not worth the extra code.
 */

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32 of `bytes`, continuing from `crc` (the result of an earlier call) so that the
 * checksum of several pieces equals that of their concatenation. `crc32(new Uint8Array())`
 * is 0; `crc32(utf8('123456789'))` is 0xcbf43926, the standard check value.
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
