import { describe, expect, it } from 'vitest';
import { type ClaimsUser, renderClaims, validateClaimsTemplate } from './claims.js';

const user: ClaimsUser = {
  id: 'user_1',
  external_id: null,
  first_name: 'Ada',
  last_name: 'Lovelace',
  username: null,
  primary_email_address: 'ada@example.com',
  primary_phone_number: null,
  image_url: 'https://img.example/ada.png',
  has_image: false,
  created_at: 1,
  updated_at: 2,
  two_factor_enabled: false,
  public_metadata: { role: 'admin', plan: { tier: 3, flags: ['a'] }, empty: '' },
  unsafe_metadata: { theme: 'dark' },
};

describe('renderClaims', () => {
  it('replaces a whole-string shortcode by the value itself, of any JSON type', () => {
    expect(renderClaims({ role: '{{user.public_metadata.role}}', plan: '{{user.public_metadata.plan}}', tier: '{{ user.public_metadata.plan.tier }}', meta: '{{user.public_metadata}}' }, user)).toEqual({
      role: 'admin',
      plan: { tier: 3, flags: ['a'] },
      tier: 3,
      meta: user.public_metadata,
    });
  });

  it('interpolates shortcodes inside longer strings, absent values as empty text', () => {
    expect(renderClaims({ hi: 'Hi {{user.first_name}} <{{user.primary_email_address}}>{{user.username}}' }, user)).toEqual({ hi: 'Hi Ada <ada@example.com>' });
  });

  it('gives null for an absent value, and takes the first present alternative', () => {
    expect(renderClaims({ a: '{{user.username}}', b: '{{user.username || user.first_name}}', c: "{{user.public_metadata.empty || 'none'}}", d: '{{user.public_metadata.nope.deeper}}' }, user)).toEqual({
      a: null,
      b: 'Ada',
      c: 'none',
      d: null,
    });
  });

  it('walks nested objects and arrays and passes other values through', () => {
    expect(renderClaims({ n: 1, t: true, z: null, list: ['{{user.id}}', { theme: '{{user.unsafe_metadata.theme}}' }], full: '{{user.full_name}}' }, user)).toEqual({
      n: 1,
      t: true,
      z: null,
      list: ['user_1', { theme: 'dark' }],
      full: 'Ada Lovelace',
    });
  });

  it('does not read inherited properties through metadata paths', () => {
    expect(renderClaims({ x: '{{user.public_metadata.constructor}}' }, user)).toEqual({ x: null });
  });
});

describe('validateClaimsTemplate', () => {
  it('accepts known shortcodes', () => {
    expect(validateClaimsTemplate({ role: '{{user.public_metadata.role}}', name: 'x {{user.first_name || "y"}}', deep: [{ a: '{{user.unsafe_metadata}}' }] })).toBeNull();
  });

  it('refuses private metadata, unknown fields, non-user roots and reserved claims', () => {
    expect(validateClaimsTemplate({ secret: '{{user.private_metadata.key}}' })).toMatch(/private_metadata/);
    expect(validateClaimsTemplate({ x: { y: ['{{user.password}}'] } })).toMatch(/Unknown shortcode/);
    expect(validateClaimsTemplate({ x: '{{session.id}}' })).toMatch(/not a shortcode/);
    expect(validateClaimsTemplate({ sub: 'someone else' })).toMatch(/"sub"/);
    expect(validateClaimsTemplate({ exp: 1 })).toMatch(/"exp"/);
  });
});
