import { keySlot } from './key-slot';

describe('keySlot', () => {
  // Expected values as CLUSTER KEYSLOT gives them (Python binascii.crc_hqx agrees); "123456789" is the CRC16 check value 0x31C3.
  it.each([
    ['123456789', 0x31c3 & 16383],
    ['foo', 12182],
    ['bar', 5061],
    ['{user1000}.following', 3443],
    ['throttle:api_key:{user1000}', 3443],
    ['foo{}{bar}', 8363], // an empty first tag: Redis hashes the whole key
    ['clé-é', 6235],
  ])('%s -> %i', (key, slot) => {
    expect(keySlot(key)).toBe(slot);
  });
});
