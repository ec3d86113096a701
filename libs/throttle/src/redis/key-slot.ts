import { hashTag } from '../storage/store-key';

/** CRC16-CCITT (XMODEM) lookup table, as Redis Cluster hashes keys. */
const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

/**
 * The Redis Cluster slot (0..16383) of a full key (prefix included): CRC16 of its hash tag (the `{...}`
 * part, else the whole key) modulo 16384, as `CLUSTER KEYSLOT` computes it.
 *
 * @example
 * keySlot('throttle:api_key:{abc}'); // the slot of 'abc', like CLUSTER KEYSLOT
 */
export function keySlot(key: string): number {
  let crc = 0;
  for (const byte of Buffer.from(hashTag(key))) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff];
  return crc & 16383;
}
