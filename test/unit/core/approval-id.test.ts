import { approvalIdFrom } from '../../../src/core/approval';

describe('Function: approvalIdFrom', () => {
  it.each([0xff, 0xfb, 0xf8, 0x80])('never starts an id with "-" or "_", which `mlops approve ID` would read as an option (first byte 0x%s)', (first) => {
    // Prepare: random bytes whose first six bits would encode "_" (63) or "-" (62), or the top half
    const bytes = Buffer.alloc(32, 7);
    bytes[0] = first;

    // Act
    const id = approvalIdFrom(bytes);

    // Assess
    expect(id).toMatch(/^[A-Za-f][A-Za-z0-9_-]{42}$/);
  });

  it('keeps an id whose first byte is in the lower half as plain base64url (ids already mailed stay valid)', () => {
    // Prepare
    const bytes = Buffer.alloc(32, 42);

    // Act / Assess
    expect(approvalIdFrom(bytes)).toBe(bytes.toString('base64url'));
  });

  it('refuses fewer than 16 random bytes', () => {
    expect(() => approvalIdFrom(Buffer.alloc(15))).toThrow('an approval id needs at least 16 random bytes, got 15');
  });
});
